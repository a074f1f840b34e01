import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoSpeechFrame } from '../../scripts/demo-voice-audio.js';
import type { VoiceBiometricsService } from '../../src/biometrics/voice-biometrics.js';
import { createLogger } from '../../src/logger.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret';
const logLines: string[] = [];
let vendor: FakeVendor;
let t: TestApp;
let voice: VoiceBiometricsService;
let server: http.Server;
let port = 0;

beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now });
  // The production logger (its redaction included), at the chattiest level, into memory.
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
  t = await createTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 5000 }, voiceOptions: { pollMs: 20 }, logger: createLogger('trace', sink) });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
  server = http.createServer(t.app);
  t.attachRealtime(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  vendor.callbackBase = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await t.shutdown();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
  await vendor.close();
});

async function stream(requestId: string, frames: Buffer[], extra: string[] = []): Promise<void> {
  const signature = twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, 'wss://cc.example.test/webhooks/twilio/media', {});
  const ws = new WebSocket(`ws://127.0.0.1:${port}/webhooks/twilio/media`, { headers: { 'X-Twilio-Signature': signature } });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send(JSON.stringify({ event: 'start', streamSid: 'MZ1', start: { callSid: 'CA1', customParameters: { requestId }, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } } }));
  frames.forEach((f, i) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ event: 'media', streamSid: 'MZ1', media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: f.toString('base64') } })));
  extra.forEach((m) => ws.readyState === ws.OPEN && ws.send(m));
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event: 'stop', streamSid: 'MZ1' }));
  await closed;
}

/** Every row of every table of the app's schema, as JSON text. */
async function everyRow(): Promise<string> {
  const tables = await t.db.prisma.$queryRaw<Array<{ name: string }>>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
  const dumps: string[] = [];
  for (const { name } of tables) {
    const rows = await t.db.prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT row_to_json(x)::text AS row FROM "${name.replace(/"/g, '""')}" x`);
    dumps.push(...rows.map((r) => r.row));
  }
  return dumps.join('\n');
}

describe('audio is never kept', () => {
  it('no log line and no table holds the audio of a verification, an enrolment, a failure or a garbled stream', async () => {
    const frames = Array.from({ length: 600 }, (_, i) => demoSpeechFrame(i % 3 === 0 ? 'impostor' : 'genuine', i));
    await t.services.customers.upsert({ id: 'cust-audio', name: 'Audio', phones: ['+966501112233'], language: 'ar', tier: 'gold' });

    const enrol = await voice.open({ callId: 'call-audio-1', customerId: 'cust-audio', kind: 'enrol', speechSeconds: 10, source: { kind: 'media_stream' } });
    await stream(enrol.requestId, frames);
    expect((await voice.outcome(enrol.requestId, 10_000)).status).toBe('result');

    vendor.mode = 'async';
    const verify = await voice.open({ callId: 'call-audio-2', customerId: 'cust-audio', kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    await stream(verify.requestId, frames);
    expect((await voice.outcome(verify.requestId, 10_000)).status).toBe('result');

    vendor.mode = 'failing';
    const failed = await voice.open({ callId: 'call-audio-3', customerId: 'cust-audio', kind: 'verify', speechSeconds: 30, source: { kind: 'media_stream' } });
    await stream(failed.requestId, frames.slice(0, 200), [JSON.stringify({ event: 'media', media: { payload: `${frames[0]!.toString('base64')}!!` } })]);
    await stream(failed.requestId, frames.slice(0, 50));
    await vendor.settled();

    const audioTraces = [
      ...frames.slice(0, 3).map((f) => f.toString('base64').slice(8, 72)),
      Buffer.concat(frames.slice(0, 50)).toString('base64').slice(0, 96),
      frames[1]!.toString('hex').slice(16, 80),
      frames[1]!.subarray(8, 48).toString('latin1'),
      JSON.stringify(frames[1]!.subarray(8, 40).toString('latin1')).slice(1, -1),
    ];
    const logs = logLines.join('');
    const rows = await everyRow();
    // The captures are real: the requests are in both.
    expect(logs).toContain(verify.requestId);
    expect(rows).toContain(verify.requestId);
    for (const trace of audioTraces) {
      expect(logs.includes(trace), `a log line holds audio (${trace.slice(0, 12)}…)`).toBe(false);
      expect(rows.includes(trace), `a table holds audio (${trace.slice(0, 12)}…)`).toBe(false);
    }
  });
});
