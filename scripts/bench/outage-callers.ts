/**
 * Child process of bench:outage: the callers, on an event loop of their own so the app's
 * stalls do not delay (or hide) the requests that Twilio would have sent anyway.
 *
 * Each call is what Twilio does for a caller who follows the demo IVR: the inbound-call
 * webhook, then each <Gather>'s action (`gather?seq=N`) a few hundred ms after the answer —
 * Digits 2 (English), 1 (billing), 12345678 (the account: the caller is queued) — until the
 * TwiML has no <Gather> (the caller is queued, or got the fallback), and a few seconds later
 * the status callback `completed` with the call's duration. A share of callers hang up while
 * still in the IVR. Every request is signed as Twilio signs it.
 *
 * The callers are open-loop (a call is placed when it is due, whatever the app is doing);
 * response times are taken from the moment the request was sent, as Twilio would see them,
 * and the generator's own lag (sent − due: this process starved of CPU) is kept apart.
 */
import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import { postSignedForm } from './harness.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL } from './protocol.js';

export type Hook = 'voice' | 'gather' | 'status';

/** One webhook as Twilio sent it and what came back. */
export interface RequestResult {
  hook: Hook;
  seq: number;
  /** Due time, ms since the run began (the parent's drop/pass are on the same origin ± IPC). */
  dueAt: number;
  /** Sent → response complete, ms: what Twilio would measure. */
  ms: number;
  /** Sent − due: the generator's own delay, ms. */
  lagMs: number;
  /** HTTP status, or 0 when the request failed (reset, timeout). */
  status: number;
  error?: string;
  /** The answer was the apology + general queue. */
  fallback: boolean;
}

/** One caller and what Twilio would know about the call. */
export interface CallResult {
  callSid: string;
  from: string;
  /** The gather steps answered with a 2xx, plus 0 for the voice webhook. */
  answeredSeqs: number[];
  /** Ended in the IVR (hung up before a queue or fallback answer). */
  hungUpInIvr: boolean;
  /** The duration sent in the status callback; undefined if it was never sent. */
  durationSeconds?: number;
  /** The status callback got a 2xx. */
  endAccepted: boolean;
}

export type CallersRequest = {
  type: 'run';
  port: number;
  rate: number;
  durationS: number;
  /** Share of callers who hang up in the IVR (0…1). */
  hangupInIvr: number;
};
export type CallersReply = { type: 'ready' } | { type: 'done'; calls: CallResult[]; requests: RequestResult[] } | { type: 'error'; message: string };

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const TO = '+966114000000';
/** Twilio gives up on a webhook after 15 s. */
const TWILIO_TIMEOUT_MS = 15_000;
const DIGITS: Record<number, string> = { 1: '2', 2: '1', 3: '12345678' };
const FALLBACK_MARK = 'Sorry for the wait, connecting you to an agent.';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const uniform = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

function post(port: number, pathAndQuery: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  return postSignedForm({ port, pathAndQuery, params, authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC_BASE_URL, agent, timeoutMs: TWILIO_TIMEOUT_MS });
}

async function runCalls(msg: CallersRequest): Promise<{ calls: CallResult[]; requests: RequestResult[] }> {
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const calls: CallResult[] = [];
  const requests: RequestResult[] = [];

  /** Sends one webhook at (or as soon as possible after) `dueAt` and records it. */
  async function hook(hook: Hook, seq: number, dueAt: number, pathAndQuery: string, params: Record<string, string>) {
    await sleep(dueAt - since());
    const sentAt = since();
    const lagMs = Math.max(0, sentAt - dueAt);
    const r: RequestResult = { hook, seq, dueAt, ms: 0, lagMs, status: 0, fallback: false };
    let body = '';
    try {
      const res = await post(msg.port, pathAndQuery, params);
      r.status = res.status;
      body = res.body;
      r.fallback = body.includes(FALLBACK_MARK);
    } catch (err) {
      r.error = err instanceof Error ? err.message : String(err);
    }
    r.ms = since() - sentAt;
    requests.push(r);
    return { ok: r.status >= 200 && r.status < 300, body };
  }

  async function caller(dueAt: number): Promise<void> {
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    // The 055 range is never seeded: every caller is unknown, so the IVR asks for the language.
    const from = `+96655${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    const call: CallResult = { callSid, from, answeredSeqs: [], hungUpInIvr: false, endAccepted: false };
    calls.push(call);
    const base = { AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, From: from, Caller: from, To: TO, Called: TO, Direction: 'inbound' };
    // Which answer the caller hangs up after (0 = the greeting, 1, 2 = a gather), or never.
    const leaveAfter = Math.random() < msg.hangupInIvr ? randomInt(0, 3) : -1;

    let answer = await hook('voice', 0, dueAt, '/webhooks/twilio/voice', { ...base, CallStatus: 'ringing' });
    if (answer.ok) call.answeredSeqs.push(0);
    let at = since();
    let step = 0;
    for (;;) {
      const next = /gather\?seq=(\d+)/.exec(answer.body);
      if (!answer.ok || !next) break; // queued (or fallback, or a failure): no more gathers
      if (step === leaveAfter) {
        call.hungUpInIvr = true;
        break;
      }
      const seq = Number(next[1]);
      const digits = DIGITS[seq];
      if (!digits) break;
      // The prompt plays, the caller keys: a few hundred ms.
      const due = at + uniform(200, 600);
      answer = await hook('gather', seq, due, `/webhooks/twilio/gather?seq=${seq}`, { ...base, CallStatus: 'in-progress', Digits: digits });
      if (answer.ok) call.answeredSeqs.push(seq);
      at = since();
      step += 1;
    }
    // Queued callers wait a few seconds and hang up; IVR leavers go sooner.
    const endDue = at + (call.hungUpInIvr ? uniform(300, 1500) : uniform(2000, 6000));
    const durationSeconds = Math.max(1, Math.ceil((endDue - dueAt) / 1000));
    call.durationSeconds = durationSeconds;
    const end = await hook('status', 0, endDue, '/webhooks/twilio/status', {
      ...base,
      CallStatus: 'completed',
      CallDuration: String(durationSeconds),
    });
    call.endAccepted = end.ok;
  }

  const total = Math.round(msg.rate * msg.durationS);
  const interval = 1000 / msg.rate;
  const running: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const dueAt = i * interval;
    await sleep(dueAt - since());
    running.push(caller(dueAt));
  }
  await Promise.all(running);
  return { calls, requests };
}

function send(reply: CallersReply): void {
  process.send?.(reply);
}

process.on('message', (raw) => {
  const msg = raw as CallersRequest;
  if (msg.type !== 'run') return;
  runCalls(msg).then(
    (result) => send({ type: 'done', ...result }),
    (err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
send({ type: 'ready' });
