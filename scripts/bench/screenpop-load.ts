/**
 * The load side of bench:screenpop: forked children, agent sockets, signed Twilio webhooks.
 * Everything here is bounded (timeouts on every wait, a cap on calls in flight).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import twilio from 'twilio';
import WebSocket from 'ws';
import { inboundCallParams } from './twilio-request.js';
import { hrWall, SP_AUTH_TOKEN, SP_PUBLIC_BASE_URL, type SpChildReply, type SpParentRequest } from './screenpop-protocol.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface SpChild {
  proc: ChildProcess;
  port: number;
  info: Record<string, string | number>;
  request<T extends SpChildReply['type']>(msg: SpParentRequest, expect: T, timeoutMs?: number): Promise<Extract<SpChildReply, { type: T }>>;
  stop(): Promise<void>;
}

/** Forks a child under tsx with IPC and waits (bounded) for its 'ready'. */
export async function forkChild(script: string, opts: { env?: NodeJS.ProcessEnv; execArgv?: string[]; readyTimeoutMs?: number } = {}): Promise<SpChild> {
  const proc = fork(path.join(import.meta.dirname, script), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child: SpChild = {
    proc,
    port: 0,
    info: {},
    request: (msg, expect, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${script}: no '${expect}' within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (m: unknown) => {
          const reply = m as SpChildReply;
          if (reply.type === expect) done(undefined, reply);
          else if (reply.type === 'error') done(new Error(`${script}: ${reply.message}`));
        };
        const onExit = () => done(new Error(`${script} exited`));
        function done(err?: Error, reply?: SpChildReply) {
          clearTimeout(timer);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
          if (err) reject(err);
          else resolve(reply as never);
        }
        proc.on('message', onMessage);
        proc.once('exit', onExit);
        proc.send(msg);
      }),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      await child.request({ type: 'shutdown' }, 'closed', 30_000).catch((err: unknown) => console.error(`  ${script} shutdown: ${String(err)}`));
      const term = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
  const ready = await new Promise<Extract<SpChildReply, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} not ready within ${opts.readyTimeoutMs ?? 300_000} ms`));
    }, opts.readyTimeoutMs ?? 300_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    };
    proc.once('exit', onExit);
    proc.on('message', (m) => {
      const msg = m as SpChildReply;
      if (msg.type === 'ready') {
        clearTimeout(timer);
        proc.off('exit', onExit);
        resolve(msg);
      }
    });
  });
  child.port = ready.port;
  child.info = ready.info;
  return child;
}

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
  const body = new URLSearchParams(params).toString();
  const signature = twilio.getExpectedTwilioSignature(SP_AUTH_TOKEN, SP_PUBLIC_BASE_URL + pathAndQuery, params);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: pathAndQuery,
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-twilio-signature': signature },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
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
