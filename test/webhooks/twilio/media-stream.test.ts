import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { VoiceBiometricsService } from '../../../src/biometrics/voice-biometrics.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../../helpers/test-app.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret';
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/twilio/media');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const frame = (name: string, requestId = '') => JSON.parse(fixture(name).replace('{{requestId}}', requestId)) as Record<string, unknown>;
/** The stream URL as our TwiML writes it, which is what Twilio signs (no parameters). */
const STREAM_URL = 'wss://cc.example.test/webhooks/twilio/media';
const digest = (base64: string) => createHash('sha256').update(base64).digest('hex');

let vendor: FakeVendor;
let t: TestApp;
let voice: VoiceBiometricsService;
let server: http.Server;
let port = 0;
let n = 0;

beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now });
  t = await createTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 5000 }, voiceOptions: { pollMs: 20 } });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
  server = http.createServer(t.app);
  t.attachRealtime(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t.shutdown();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
  await vendor.close();
});
beforeEach(() => {
  vendor.mode = 'honest';
  vendor.requests.length = 0;
});

/** An enrolled customer's verify request (or a fresh customer's enrol request). */
async function openRequest(kind: 'verify' | 'enrol' = 'verify', speechSeconds = 10) {
  const customerId = `cust-media-${++n}`;
  await t.services.customers.upsert({ id: customerId, name: 'Media Caller', phones: [], language: 'en', tier: 'standard' });
  const { speakerId } = await voice.enrolment(customerId);
  if (kind === 'verify') vendor.enrolled.set(speakerId, 'genuine');
  const { requestId } = await voice.open({ callId: `call-media-${n}`, customerId, kind, speechSeconds, source: { kind: 'media_stream' } });
  return { requestId, speakerId };
}

type Closed = { code: number; reason: string };
/** Opens the media socket as Twilio does; `refused` carries the HTTP status when there is no socket. */
function connect(signature: string | null = twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, STREAM_URL, {}), to = port) {
  const ws = new WebSocket(`ws://127.0.0.1:${to}/webhooks/twilio/media`, { headers: signature === null ? {} : { 'X-Twilio-Signature': signature } });
  const opened = new Promise<'open' | number>((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const send = (msg: unknown) => ws.readyState === ws.OPEN && ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  return { ws, opened, closed, send };
}

/** `count` media frames like the fixture's, with Twilio's increasing chunk and timestamp (strings). */
function mediaFrames(name: string, count: number, from = 1) {
  const base = frame(name) as { media: Record<string, string> };
  return Array.from({ length: count }, (_, i) => ({ ...base, sequenceNumber: String(from + i + 1), media: { ...base.media, chunk: String(from + i), timestamp: String((from + i) * 20) } }));
}
const payloadOf = (name: string) => Buffer.from((frame(name) as { media: { payload: string } }).media.payload, 'base64');

describe('Twilio Media Streams (wss://…/webhooks/twilio/media)', () => {
  it('refuses an unsigned upgrade with 403 and no socket', async () => {
    const c = connect(null);
    expect(await c.opened).toBe(403);
  });

  it('refuses an upgrade signed for another URL or with another auth token', async () => {
    expect(await connect(twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, 'https://cc.example.test/webhooks/twilio/media', {})).opened).toBe(403);
    expect(await connect(twilio.getExpectedTwilioSignature('another-auth-token', STREAM_URL, {})).opened).toBe(403);
  });

  it('collects the caller until the net-speech target, sends exactly that audio to the vendor, closes the stream, and the verdict is ready', async () => {
    const { requestId, speakerId } = await openRequest('verify', 10);
    const c = connect();
    expect(await c.opened).toBe('open');
    c.send(frame('good/connected.json'));
    c.send(frame('good/start.json', requestId));
    // 2 s of silence (the prompt playing) do not count towards the 10 s of speech.
    const frames = [...mediaFrames('good/media-silence.json', 100), ...mediaFrames('good/media-genuine.json', 500, 101)];
    frames.forEach((f) => c.send(f));
    c.send(frame('good/mark.json'));
    // More audio than needed: never sent.
    mediaFrames('good/media-genuine.json', 50, 601).forEach((f) => c.send(f));
    expect(await c.closed).toEqual({ code: 1000, reason: 'audio received' });

    expect(await voice.outcome(requestId, 10_000)).toMatchObject({ status: 'result', result: { requestId, decision: 'match' } });
    const sent = vendor.requests.filter((r) => r.path === '/verifications');
    expect(sent).toHaveLength(1);
    const expected = Buffer.concat([...Array.from({ length: 100 }, () => payloadOf('good/media-silence.json')), ...Array.from({ length: 500 }, () => payloadOf('good/media-genuine.json'))]);
    // Compared by digest: a failing run must not print the audio into the test log.
    const { audio, ...rest } = sent[0]!.body as { audio: { data: string } };
    expect(rest).toEqual({ requestId, speakerId, callbackUrl: 'https://cc.example.test/webhooks/biometrics/result' });
    expect({ ...audio, data: digest(audio.data) }).toEqual({ encoding: 'audio/x-mulaw', sampleRate: 8000, data: digest(expected.toString('base64')) });
  });

  it('sends only the audio up to the target when the whole stream arrived while its request was still being looked up', async () => {
    const { requestId } = await openRequest('verify', 10);
    let release!: () => void;
    const lookedUp = new Promise<void>((resolve) => (release = resolve));
    const real = voice.streamTarget.bind(voice);
    const slow = vi.spyOn(voice, 'streamTarget').mockImplementationOnce(async (id) => {
      await lookedUp;
      return real(id);
    });
    const c = connect();
    await c.opened;
    c.send(frame('good/start.json', requestId));
    mediaFrames('good/media-genuine.json', 650).forEach((f) => c.send(f));
    // Every frame is in before the lookup answers (a slow database).
    await new Promise((r) => setTimeout(r, 300));
    release();
    expect((await c.closed).code).toBe(1000);
    slow.mockRestore();
    await voice.outcome(requestId, 10_000);
    const sent = vendor.requests.filter((r) => r.path === '/verifications');
    const audio = (sent[0]!.body as { audio: { data: string } }).audio.data;
    expect(digest(audio)).toBe(digest(Buffer.concat(Array.from({ length: 500 }, () => payloadOf('good/media-genuine.json'))).toString('base64')));
  });

  it('on stop sends what arrived; a stream that stopped without audio has no verdict (no_audio) and reaches no vendor', async () => {
    const short = await openRequest('verify', 10);
    const a = connect();
    await a.opened;
    a.send(frame('good/start.json', short.requestId));
    mediaFrames('good/media-impostor.json', 250).forEach((f) => a.send(f));
    a.send(frame('good/stop.json'));
    expect((await a.closed).code).toBe(1000);
    expect(await voice.outcome(short.requestId, 10_000)).toMatchObject({ status: 'result', result: { decision: 'no_match' } });

    const silent = await openRequest('verify', 10);
    const b = connect();
    await b.opened;
    b.send(frame('good/start.json', silent.requestId));
    b.send(frame('good/stop.json'));
    expect((await b.closed).code).toBe(1000);
    expect(await voice.outcome(silent.requestId, 10_000)).toEqual({ status: 'unavailable', reason: 'no_audio' });
    expect(vendor.requests.map((r) => (r.body as { requestId?: string } | undefined)?.requestId)).not.toContain(silent.requestId);
  });

  it('a caller who hangs up mid-stream (socket closed, no stop) still gets the audio that arrived sent', async () => {
    const { requestId } = await openRequest('verify', 10);
    const c = connect();
    await c.opened;
    c.send(frame('good/start.json', requestId));
    mediaFrames('good/media-genuine.json', 300).forEach((f) => c.send(f));
    c.ws.close(1000);
    await c.closed;
    expect(await voice.outcome(requestId, 10_000)).toMatchObject({ status: 'result', result: { decision: 'match' } });
  });

  it.each([
    ['text that is not JSON', () => fixture('bad/not-json.txt'), 1003, 'not JSON'],
    ['a message without an event', () => frame('bad/no-event.json'), 1003, 'event: required'],
    ['media before start', () => mediaFrames('good/media-genuine.json', 1)[0], 1008, 'media: before start'],
    ['a start without mediaFormat', () => frame('bad/start-no-media-format.json', 'x'), 1003, 'start.mediaFormat'],
    ['a start without a requestId parameter', () => frame('bad/start-no-request-id.json'), 1008, 'start.customParameters.requestId: required'],
    ['a start for a request we never opened', () => frame('good/start.json', 'no-such-request'), 1008, 'requestId: no open request for this stream'],
  ])('closes the socket on %s, with a code saying why', async (_name, message, code, reason) => {
    const c = connect();
    await c.opened;
    c.send(message());
    const closed = await c.closed;
    expect(closed.code).toBe(code);
    expect(closed.reason).toContain(reason);
  });

  it('closes on audio it cannot use: another format, a payload that is not base64, a binary frame, a frame over the limit', async () => {
    const format = await openRequest();
    const a = connect();
    await a.opened;
    a.send(frame('bad/start-l16-16k.json', format.requestId));
    expect(await a.closed).toEqual({ code: 1003, reason: 'mediaFormat: audio/x-mulaw 8000 Hz mono only' });

    const garbled = await openRequest();
    const b = connect();
    await b.opened;
    b.send(frame('good/start.json', garbled.requestId));
    b.send(frame('bad/media-not-base64.json'));
    expect(await b.closed).toMatchObject({ code: 1003, reason: 'media.payload: must be base64' });

    const binary = connect();
    await binary.opened;
    binary.ws.send(Buffer.from([0xff, 0x00, 0x7f]));
    expect((await binary.closed).code).toBe(1003);

    const huge = connect();
    await huge.opened;
    huge.ws.send(JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(100 * 1024) } }));
    expect((await huge.closed).code).toBe(1009);
    // None of it reached the vendor, and none of these requests has a verdict.
    expect(vendor.requests).toEqual([]);
    expect(await voice.outcome(format.requestId, 0)).toEqual({ status: 'pending' });
  });

  it('ignores events that carry no audio for us (mark, dtmf) and still serves streams after garbage', async () => {
    const { requestId } = await openRequest('verify', 5);
    const c = connect();
    await c.opened;
    c.send(frame('good/connected.json'));
    c.send(frame('good/start.json', requestId));
    c.send(frame('good/dtmf.json'));
    c.send(frame('good/mark.json'));
    mediaFrames('good/media-genuine.json', 250).forEach((f) => c.send(f));
    expect((await c.closed).code).toBe(1000);
    await vi.waitFor(async () => expect(await voice.outcome(requestId, 0)).toMatchObject({ status: 'result', result: { decision: 'match' } }));
  });

  it('a second stream for a request already answered is refused', async () => {
    const { requestId } = await openRequest('verify', 5);
    const first = connect();
    await first.opened;
    first.send(frame('good/start.json', requestId));
    mediaFrames('good/media-genuine.json', 250).forEach((f) => first.send(f));
    await first.closed;
    await voice.outcome(requestId, 10_000);
    const again = connect();
    await again.opened;
    again.send(frame('good/start.json', requestId));
    expect((await again.closed).code).toBe(1008);
  });
});

// Twilio's signature covers only the URL, so one observed signature opens any number of sockets:
// a socket that never starts, or goes quiet, must not be held (nor its audio).
describe('Twilio Media Streams that go quiet', () => {
  const DEADLINE_MS = 1000;
  let quiet: TestApp;
  let quietServer: http.Server;
  let quietPort = 0;
  beforeAll(async () => {
    quiet = await createTestApp({
      biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 5000 },
      voiceOptions: { pollMs: 20 },
      mediaStreamLimits: { startTimeoutMs: DEADLINE_MS, idleTimeoutMs: DEADLINE_MS },
    });
    quietServer = http.createServer(quiet.app);
    quiet.attachRealtime(quietServer);
    await new Promise<void>((resolve) => quietServer.listen(0, '127.0.0.1', resolve));
    quietPort = (quietServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await quiet.shutdown();
    await new Promise((resolve) => quietServer.close(resolve));
    await quiet.close();
  });
  const signed = () => connect(undefined, quietPort);

  it.each([
    ['sends nothing', []],
    ['sends only connected', ['good/connected.json']],
    ['sends connected, then stop', ['good/connected.json', 'good/stop.json']],
  ])('closes a signed socket that %s and never starts (4408)', async (_name, fixtures) => {
    const c = signed();
    expect(await c.opened).toBe('open');
    for (const f of fixtures) c.send(frame(f));
    expect(await c.closed).toEqual({ code: 4408, reason: `start: none within ${DEADLINE_MS} ms` });
  });

  it('closes a started stream that goes quiet (4408) and drops its audio: nothing reaches the vendor, the request stays open', async () => {
    const quietVoice = quiet.services.biometrics.voice as VoiceBiometricsService;
    const customerId = `cust-quiet-${++n}`;
    await quiet.services.customers.upsert({ id: customerId, name: 'Media Caller', phones: [], language: 'en', tier: 'standard' });
    const { speakerId } = await quietVoice.enrolment(customerId);
    vendor.enrolled.set(speakerId, 'genuine');
    const { requestId } = await quietVoice.open({ callId: `call-quiet-${n}`, customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    const c = signed();
    await c.opened;
    c.send(frame('good/start.json', requestId));
    // Two seconds of speech, short of the ten the request needs; then nothing, neither stop nor a close.
    mediaFrames('good/media-genuine.json', 100).forEach((f) => c.send(f));
    expect(await c.closed).toEqual({ code: 4408, reason: `no message for ${DEADLINE_MS} ms` });
    expect(vendor.requests.map((r) => (r.body as { requestId?: string } | undefined)?.requestId)).not.toContain(requestId);
    expect(await quietVoice.outcome(requestId, 0)).toEqual({ status: 'pending' });
  });
});
