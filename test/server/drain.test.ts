import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { connectAgent } from '../helpers/agent-socket.js';

// The real server in its own process (embedded PGlite in a temporary DATA_DIR, demo data
// seeded), stopped with SIGTERM while an agent's softphone is connected.

const root = path.resolve(import.meta.dirname, '../..');
const GRACE_SECONDS = 8;
/** server.ts forces an exit (code 1) this long after the grace period. */
const CAP_EXTRA_SECONDS = 15;

let dataDir: string;
let child: ChildProcess;
let url: string;
const logs: Array<Record<string, unknown>> = [];
const newLine = new EventEmitter();
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

/** Resolves with the first log line that matches, or rejects if the process ends first. */
function logLine(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const seen = logs.find(match);
    if (seen) return resolve(seen);
    const timer = setTimeout(() => reject(new Error(`no such log line in ${timeoutMs} ms: ${JSON.stringify(logs)}`)), timeoutMs);
    const check = () => {
      const line = logs.find(match);
      if (!line) return;
      clearTimeout(timer);
      newLine.off('line', check);
      resolve(line);
    };
    newLine.on('line', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before the log line: ${JSON.stringify(logs)}`));
    });
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'cc-drain-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir, DRAIN_GRACE_SECONDS: String(GRACE_SECONDS), LOG_LEVEL: 'info' };
  // Embedded mode whatever the suite runs on: no database URL, no Redis, generated secrets.
  for (const name of ['DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'PUBLIC_BASE_URL', 'TWILIO_AUTH_TOKEN', 'TWILIO_ACCOUNT_SID', 'JWT_SECRET', 'JWT_PUBLIC_KEY', 'METRICS_TOKEN']) delete env[name];
  child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // pino writes JSON lines on stdout; the start banner (plain text) is skipped.
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    logs.push(JSON.parse(text) as Record<string, unknown>);
    newLine.emit('line');
  });
  child.stderr!.on('data', () => {});
  // Generous: PGlite, migrations and the demo seed on a busy two-core machine.
  const listening = await logLine((l) => l.msg === 'listening', 120_000);
  url = `http://127.0.0.1:${listening.port as number}`;
}, 150_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('SIGTERM with an agent socket open', () => {
  it('turns readiness 503 while still serving, sends the socket to another node with 1012, and exits 0', async () => {
    const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')) as { jwtSecret: string; twilioAuthToken: string };
    const sara = await connectAgent(url, signToken(secrets.jwtSecret, { sub: 'agent-sara', role: 'agent' }));
    await sara.next((m) => m.type === 'hello', 30_000);
    const closed = new Promise<number>((resolve) => sara.ws.once('close', (code) => resolve(code)));
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    child.kill('SIGTERM');
    // The listener stays open: a load balancer's health check sees the 503, not a refused
    // connection (a fetch that throws fails the test here).
    let ready = await fetch(`${url}/readyz`);
    for (const started = Date.now(); ready.status === 200 && Date.now() - started < 30_000; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await fetch(`${url}/readyz`);
    }
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    // …and a caller who arrives now is still answered.
    const publicUrl = 'http://localhost:0/webhooks/twilio/voice';
    const params = { CallSid: `CA${'d'.repeat(32)}`, From: '+966551112233', To: '+966920000000' };
    const voice = await fetch(`${url}/webhooks/twilio/voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(secrets.twilioAuthToken, publicUrl, params) },
      body: new URLSearchParams(params),
    });
    expect(voice.status).toBe(200);
    expect(await voice.text()).toContain('<Response>');

    // Service restart: the softphone reconnects at once, to a node that is not draining.
    expect(await closed).toBe(1012);
    // Well before the forced exit (code 1) at grace + cap.
    const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), (GRACE_SECONDS + CAP_EXTRA_SECONDS + 30) * 1000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(logs.map((l) => l.msg)).toContain('stopped');
    expect(logs.some((l) => l.msg === 'drain did not finish: forced exit')).toBe(false);
  }, 120_000);
});
