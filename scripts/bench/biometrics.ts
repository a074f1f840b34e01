/**
 * npm run bench:biometrics [-- --iterations 200 --concurrency 10 --latency 50 --speech 6]
 *
 * From a media stream's `stop` to the verdict available to the IVR (`outcome()` resolving
 * with the vendor's result), with a vendor answering in `latency` ms, printed beside that
 * vendor's own time (measured in the vendor's process) and a bare signed POST of the same
 * body from here to the vendor (the network and JSON floor). What is ours: signature
 * checks, buffering, base64 and the request, storing the verdict, waking the waiting
 * outcome() through the bus.
 *
 * The app runs in this process (buildApp) on an in-memory PGlite database (or a fresh
 * schema in TEST_DATABASE_URL), with its HTTP server and the Media Streams socket; the
 * vendor is a child process (biometrics-vendor.ts). Each stream sends `speech` seconds of
 * 20 ms μ-law frames (less than the 30 s target, so `stop` sends them), then `stop`.
 * Sequential first, then `concurrency` streams at once. A report, not a test: exits 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import twilio from 'twilio';
import WebSocket from 'ws';
import { demoSpeech } from '../demo-voice-audio.js';
import { buildApp } from '../../src/app.js';
import { signBiometricsBody } from '../../src/biometrics/vendor-signature.js';
import type { VoiceBiometrics } from '../../src/biometrics/voice-types.js';
import { createTestDatabase } from '../../test/helpers/test-db.js';
import { forkChild, stats, table } from './harness.js';
import type { VendorChildReply, VendorChildRequest } from './biometrics-vendor.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '10' },
    latency: { type: 'string', default: '50' },
    speech: { type: 'string', default: '6' },
  },
});
const ITERATIONS = Number(args.iterations);
const CONCURRENCY = Number(args.concurrency);
const SECRET = 'bench-secret';
const AUTH_TOKEN = 'bench-auth-token-0123456789';
const PUBLIC_BASE_URL = 'https://cc.bench.test';

const vendor = await forkChild<VendorChildRequest, VendorChildReply>('biometrics-vendor.ts', {
  env: { BENCH_VENDOR_SECRET: SECRET, BENCH_VENDOR_LATENCY_MS: args.latency },
});
const vendorUrl = `http://127.0.0.1:${vendor.port}`;
const db = await createTestDatabase();
const built = buildApp({
  config: {
    publicBaseUrl: PUBLIC_BASE_URL,
    twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: AUTH_TOKEN, callerId: '+966920000000', apiBaseUrl: 'http://127.0.0.1:9' },
    jwt: { secret: 'bench-jwt-secret-that-is-long-enough' },
    crmLookupBudgetMs: 400,
    biometrics: { vendorUrl, webhookSecret: SECRET, deadlineMs: 2500 },
  },
  db: db.prisma,
  logger: pino({ level: 'silent' }),
});
const voice: VoiceBiometrics = built.services.biometrics.voice;
const server = http.createServer(built.app);
built.attachRealtime(server);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
await built.services.customers.upsert({ id: 'cust-bench', name: 'Bench', phones: [], language: 'en', tier: 'standard' });

const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${PUBLIC_BASE_URL.replace(/^http/, 'ws')}/webhooks/twilio/media`, {});
const genuine = demoSpeech('genuine', Number(args.speech)).map((f) => f.toString('base64'));
let callSeq = 0;

/** One stream: start, frames, then stop; returns ms from sending `stop` to outcome() holding the verdict. */
async function oneStream(kind: 'verify' | 'enrol', frames: string[]): Promise<{ ms: number; decision: string }> {
  const { requestId } = await voice.open({ callId: `bench-call-${++callSeq}`, customerId: 'cust-bench', kind, speechSeconds: 30, source: { kind: 'media_stream' } });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/webhooks/twilio/media`, { headers: { 'X-Twilio-Signature': signature } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
  ws.send(JSON.stringify({ event: 'start', streamSid: 'MZbench', start: { callSid: 'CAbench', customParameters: { requestId }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  frames.forEach((payload, i) => ws.send(JSON.stringify({ event: 'media', streamSid: 'MZbench', media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload } })));
  // The IVR is already asking (it waits on the bus), as it would be after its prompt.
  const verdict = voice.outcome(requestId, 10_000);
  // Every frame is on the wire before the clock starts.
  await new Promise<void>((resolve) => ws.send(JSON.stringify({ event: 'stop', streamSid: 'MZbench' }), () => resolve()));
  const t0 = performance.now();
  const outcome = await verdict;
  const ms = performance.now() - t0;
  await closed;
  return { ms, decision: outcome.status === 'result' ? outcome.result.decision : `${outcome.status}${outcome.status === 'unavailable' ? `:${outcome.reason}` : ''}` };
}

/** The floor: the same signed POST straight to the vendor from here. */
const directBody = JSON.stringify({ requestId: 'direct', speakerId: 'spk_direct', audio: { encoding: 'audio/x-mulaw', sampleRate: 8000, data: Buffer.concat(genuine.map((p) => Buffer.from(p, 'base64'))).toString('base64') }, callbackUrl: `${PUBLIC_BASE_URL}/webhooks/biometrics/result` });
async function direct(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${vendorUrl}/verifications`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Biometrics-Signature': signBiometricsBody(SECRET, directBody, new Date()) }, body: directBody });
  await res.text();
  return performance.now() - t0;
}

async function phase(concurrency: number) {
  const ours: number[] = [];
  const decisions = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ITERATIONS) {
        next++;
        const r = await oneStream('verify', genuine);
        ours.push(r.ms);
        decisions.set(r.decision, (decisions.get(r.decision) ?? 0) + 1);
      }
    }),
  );
  const vendorOwn = (await vendor.request({ type: 'times' }, 'times')).ms;
  return { ours: stats(ours), vendorOwn: stats(vendorOwn), decisions };
}

try {
  // Enrol the speaker (30 s of speech), then warm up.
  await oneStream('enrol', demoSpeech('genuine', 30).map((f) => f.toString('base64')));
  for (let i = 0; i < 20; i++) await oneStream('verify', genuine);
  await vendor.request({ type: 'times' }, 'times');

  const floor: number[] = [];
  for (let i = 0; i < Math.min(ITERATIONS, 100); i++) floor.push(await direct());
  const floorOwn = stats((await vendor.request({ type: 'times' }, 'times')).ms);
  const floorStats = stats(floor);
  const sequential = await phase(1);
  const concurrent = await phase(CONCURRENCY);

  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
  console.log(`\n=== Voice biometrics: media stream 'stop' -> verdict in outcome(), vendor answering in ${args.latency} ms (${args.speech} s of audio per stream, ${ITERATIONS} streams per phase) ===`);
  console.log(`machine: ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; database: ${db.url ? 'PostgreSQL' : 'PGlite in memory'}`);
  console.log(
    table([
      ['phase', 'n', 'p50 ms', 'p99 ms', 'max ms', "vendor's own p50", "vendor's own p99", 'p99 / vendor p99'],
      ['direct signed POST to the vendor (floor)', String(floorStats.n), f(floorStats.p50), f(floorStats.p99), f(floorStats.max), f(floorOwn.p50), f(floorOwn.p99), (floorStats.p99 / floorOwn.p99).toFixed(2)],
      ...[
        ['stop -> verdict, one stream at a time', sequential],
        [`stop -> verdict, ${CONCURRENCY} streams at once`, concurrent],
      ].map(([name, p]) => {
        const r = p as Awaited<ReturnType<typeof phase>>;
        return [name as string, String(r.ours.n), f(r.ours.p50), f(r.ours.p99), f(r.ours.max), f(r.vendorOwn.p50), f(r.vendorOwn.p99), (r.ours.p99 / r.vendorOwn.p99).toFixed(2)];
      }),
    ]),
  );
  console.log(`decisions: sequential ${JSON.stringify(Object.fromEntries(sequential.decisions))}, concurrent ${JSON.stringify(Object.fromEntries(concurrent.decisions))}`);
} finally {
  await built.shutdown();
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
  await vendor.stop();
}
