/**
 * What every benchmark here shares: forked children under tsx with a typed IPC protocol,
 * percentiles, and the Markdown tables the README quotes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import twilio from 'twilio';

const root = path.resolve(import.meta.dirname, '../..');

/** A message over the IPC channel: every protocol has a `type`; children report failures as `error`. */
export interface IpcMessage {
  type: string;
  message?: string;
}

export interface BenchChild<Req extends IpcMessage, Reply extends IpcMessage> {
  proc: ChildProcess;
  /** From the child's `ready` message, when it serves on a port. */
  port: number;
  info: Record<string, string | number>;
  /** Sends `msg` and resolves with the first reply of type `expect` (bounded). */
  request<T extends Reply['type']>(msg: Req, expect: T, timeoutMs?: number): Promise<Extract<Reply, { type: T }>>;
  /** Asks for a clean `shutdown` (answered `closed`), then SIGTERM, then SIGKILL. */
  stop(): Promise<void>;
}

/** Forks `script` (next to this file) under tsx with an IPC channel and waits, bounded, for its `ready`. */
export async function forkChild<Req extends IpcMessage, Reply extends IpcMessage>(
  script: string,
  opts: { env?: NodeJS.ProcessEnv; execArgv?: string[]; readyTimeoutMs?: number } = {},
): Promise<BenchChild<Req, Reply>> {
  const proc = fork(path.join(import.meta.dirname, script), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child: BenchChild<Req, Reply> = {
    proc,
    port: 0,
    info: {},
    request: (msg, expect, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`${script}: no '${expect}' within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (m: unknown) => {
          const reply = m as Reply;
          if (reply.type === expect) done(undefined, reply);
          else if (reply.type === 'error') done(new Error(`${script}: ${reply.message}`));
        };
        const onExit = () => done(new Error(`${script} exited`));
        function done(err?: Error, reply?: Reply) {
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
      await child.request({ type: 'shutdown' } as Req, 'closed' as Reply['type'], 30_000).catch((err: unknown) => console.error(`  ${script} shutdown: ${String(err)}`));
      const term = setTimeout(() => proc.kill('SIGTERM'), 5_000);
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
  const readyTimeoutMs = opts.readyTimeoutMs ?? 300_000;
  const ready = await new Promise<{ port?: number; info?: Record<string, string | number> }>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${script} not ready within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    };
    proc.once('exit', onExit);
    const onMessage = (m: unknown) => {
      const msg = m as IpcMessage & { port?: number; info?: Record<string, string | number> };
      if (msg.type !== 'ready') return;
      clearTimeout(timer);
      proc.off('exit', onExit);
      proc.off('message', onMessage);
      resolve(msg);
    };
    proc.on('message', onMessage);
  });
  child.port = ready.port ?? 0;
  child.info = ready.info ?? {};
  return child;
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Count, p50, p99 and max of the finite values. */
export function stats(values: readonly number[]): Stats {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

/** A Markdown table: the first row is the header; the first column left-aligned, the rest right. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => '| ' + r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ') + ' |';
  return [line(rows[0]!), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.slice(1).map(line)].join('\n');
}

/**
 * POSTs a form to the app on 127.0.0.1, signed as Twilio signs it (the public URL with its
 * query, and the params), through `agent`; rejects past `timeoutMs` without an answer.
 */
export function postSignedForm(r: {
  port: number;
  pathAndQuery: string;
  params: Record<string, string>;
  authToken: string;
  publicBaseUrl: string;
  agent: http.Agent;
  timeoutMs: number;
}): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(r.params).toString();
  const signature = twilio.getExpectedTwilioSignature(r.authToken, r.publicBaseUrl + r.pathAndQuery, r.params);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: r.port,
        method: 'POST',
        path: r.pathAndQuery,
        agent: r.agent,
        timeout: r.timeoutMs,
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
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
