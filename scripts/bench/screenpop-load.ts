/**
 * The load side of bench:screenpop: forked children, agent sockets, signed Twilio webhooks.
 * Everything here is bounded (timeouts on every wait, a cap on calls in flight).
 */
import http from 'node:http';
import WebSocket from 'ws';
import { forkChild as forkBenchChild, postSignedForm, type BenchChild } from './harness.js';
import { inboundCallParams } from './twilio-request.js';
import { hrWall, SP_AUTH_TOKEN, SP_PUBLIC_BASE_URL, type SpChildReply, type SpParentRequest } from './screenpop-protocol.js';

/** A child of bench:screenpop: the app, or the floor's bare ws server. */
export type SpChild = BenchChild<SpParentRequest, SpChildReply>;

/** Forks a child under tsx with IPC and waits (bounded) for its 'ready'. */
export const forkChild = (script: string, opts: Parameters<typeof forkBenchChild>[1] = {}): Promise<SpChild> => forkBenchChild<SpParentRequest, SpChildReply>(script, opts);

/** Runs `fn` over `items` with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

export type OnMessage = (at: number, wall: number, msg: Record<string, unknown>, raw: Buffer, ws: WebSocket) => void;

/** Opens one client; resolves on the first message (the hub's hello) or on open when `waitFirst` is off. */
export function openClient(url: string, protocols: string[] | undefined, onMessage: OnMessage, waitFirst: boolean, timeoutMs = 20_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no ${waitFirst ? 'hello' : 'open'} from ${url} within ${timeoutMs} ms`)), timeoutMs);
    function finish(err?: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        ws.terminate();
        reject(err);
      } else resolve(ws);
    }
    ws.on('message', (data: Buffer) => {
      // The receipt time is taken before anything else, parsing included.
      const at = hrWall();
      const wall = Date.now();
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      onMessage(at, wall, msg, data, ws);
      if (waitFirst) finish();
    });
    ws.once('open', () => {
      if (!waitFirst) finish();
    });
    ws.once('unexpected-response', (_req, res) => finish(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', (err) => finish(err));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

/** POSTs a form to the app, signed as Twilio signs it (public URL incl. query + params). */
export function postSigned(port: number, pathAndQuery: string, params: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return postSignedForm({ port, pathAndQuery, params, authToken: SP_AUTH_TOKEN, publicBaseUrl: SP_PUBLIC_BASE_URL, agent, timeoutMs });
}

export function closeHttpAgent(): void {
  agent.destroy();
}

export interface CallOutcome {
  from: string;
  callSid?: string;
  firstSentAt: number;
  queuedAt?: number;
  error?: string;
}

/**
 * One caller as Twilio drives it: the inbound-call webhook (the first ring), then the main
 * menu's gather with Digits=2 (support). A known English caller is greeted and goes straight
 * to the menu, so two webhooks put the call in the support queue.
 */
export async function placeCall(port: number, from: string, outcome: CallOutcome): Promise<void> {
  const params = inboundCallParams(from);
  outcome.callSid = params.CallSid;
  try {
    outcome.firstSentAt = hrWall();
    const first = await postSigned(port, '/webhooks/twilio/voice', params);
    if (first.status !== 200 || !first.body.includes('Welcome back') || !first.body.includes('gather?seq=1')) {
      throw new Error(`voice: ${first.status} ${first.body.slice(0, 160)}`);
    }
    const second = await postSigned(port, '/webhooks/twilio/gather?seq=1', { ...params, CallStatus: 'in-progress', Digits: '2' });
    if (second.status !== 200 || !/<Enqueue[^>]*>support<\/Enqueue>/.test(second.body)) throw new Error(`gather: ${second.status} ${second.body.slice(0, 160)}`);
    outcome.queuedAt = hrWall();
  } catch (err) {
    outcome.error = err instanceof Error ? err.message : String(err);
  }
}

/** The caller hangs up: Twilio's status callback for a completed call (frees its offered agent). */
export async function hangUp(port: number, from: string, callSid: string): Promise<void> {
  const res = await postSigned(port, '/webhooks/twilio/status', { ...inboundCallParams(from), CallSid: callSid, CallStatus: 'completed', CallDuration: '5' });
  if (res.status >= 300) throw new Error(`status: ${res.status} ${res.body.slice(0, 160)}`);
}
