/**
 * The caller's whole verification path through signed Twilio webhooks, the Media Streams
 * socket and a vendor server written for the tests: consent, voice, PIN, enrolment, fraud,
 * and what the agent's pop says about it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { demoSpeech, type DemoVoice } from '../../../scripts/demo-voice-audio.js';
import type { VoiceBiometricsService } from '../../../src/biometrics/voice-biometrics.js';
import { demoFlowDefinition } from '../../../src/ivr/demo-flow.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../../helpers/test-app.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret-for-ivr';
const MEDIA_URL = 'wss://cc.example.test/webhooks/twilio/media';
const PIN = '482915';

let vendor: FakeVendor;
let t: TestApp;
let voice: VoiceBiometricsService;
let server: http.Server;
let port = 0;
let n = 0;
const logLines: string[] = [];
const alerts: unknown[] = [];

beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now });
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  t = await createTestApp({
    biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 3000 },
    voiceOptions: { pollMs: 20, breakerFailures: 1000 },
    logger: pino({ level: 'debug' }, sink),
  });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
  for (const q of ['billing', 'general']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  t.services.bus.subscribe('supervisor.alert', (m) => alerts.push(m));
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
beforeEach(async () => {
  vendor.mode = 'honest';
  vendor.requests.length = 0;
  alerts.length = 0;
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

/** A customer of ours, English-speaking, with the consent, PIN and voiceprint the test asks for. */
async function customer(opts: { consent?: boolean; pin?: boolean; enrolled?: boolean } = {}) {
  n += 1;
  const id = `cust-vv-${n}`;
  const phone = `+9665510${String(n).padStart(5, '0')}`;
  await t.services.customers.upsert({ id, name: 'Layla Test', phones: [phone], language: 'en', tier: 'gold' });
  if (opts.consent !== undefined) await t.services.consents.recordConsent({ customerId: id, purpose: 'voice_biometrics', granted: opts.consent, channel: 'api', textVersion: 'v1', by: 'test' });
  if (opts.pin) await t.services.biometrics.setPin(id, PIN);
  let speakerId = '';
  if (opts.enrolled) {
    speakerId = (await voice.enrolment(id)).speakerId;
    const { requestId } = await voice.open({ callId: `setup-${n}`, customerId: id, kind: 'enrol', speechSeconds: 30, source: { kind: 'media_stream' } });
    await voice.submitAudio(requestId, Buffer.concat(demoSpeech('genuine', 30)));
    expect((await voice.enrolment(id)).enrolled).toBe(true);
  }
  vendor.requests.length = 0;
  return { id, phone, speakerId };
}

/** A call from `phone`, answered by the demo flow's main menu. */
async function call(phone: string) {
  const params = { CallSid: newCallSid(), From: phone, To: '+966920000000' };
  const first = await postTwilio(t.app, '/webhooks/twilio/voice', params).expect(200);
  expect(first.text).toContain('For your balance, press 4.');
  let seq = 1;
  /** The next webhook Twilio would make (a gather's answer or a redirect), following redirects while a verdict is awaited. */
  async function next(answer: Record<string, string> = {}): Promise<string> {
    let res = await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq}`, { ...params, ...answer }).expect(200);
    seq += 1;
    for (let hops = 0; res.text.includes('<Redirect'); hops++) {
      if (hops > 200) throw new Error('still waiting for a verdict');
      expect(res.text).toContain(`<Redirect method="POST">https://cc.example.test/webhooks/twilio/gather?seq=${seq}</Redirect>`);
      res = await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq}`, params).expect(200);
      seq += 1;
    }
    return res.text;
  }
  return { params, next };
}

/** The stream our TwiML started: its request id, checked against what Twilio needs. */
function streamOf(twiml: string, purpose: 'verify' | 'enrol' = 'verify'): string {
  const m = new RegExp(`<Start><Stream name="([^"]+)" url="${MEDIA_URL.replace(/\./g, '\\.')}" track="inbound_track"><Parameter name="requestId" value="([^"]+)"/><Parameter name="purpose" value="${purpose}"/></Stream></Start>`).exec(twiml);
  if (!m) throw new Error(`no ${purpose} stream in ${twiml}`);
  expect(m[1]).toBe(m[2]);
  return m[2]!;
}

/** Twilio's side of the Media Stream: signed upgrade, start with our request id, `seconds` of `who` speaking, then (optionally) stop. */
async function stream(requestId: string, callSid: string, who: DemoVoice, seconds: number, opts: { stop?: boolean } = {}) {
  const signature = twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, MEDIA_URL, {});
  const ws = new WebSocket(`ws://127.0.0.1:${port}/webhooks/twilio/media`, { headers: { 'X-Twilio-Signature': signature } });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  const streamSid = `MZ${'0'.repeat(31)}${n % 10}`;
  const send = (m: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
  send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
  send({
    event: 'start',
    sequenceNumber: '1',
    start: { accountSid: TEST_CONFIG.twilio.accountSid, streamSid, callSid, tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, customParameters: { requestId } },
    streamSid,
  });
  demoSpeech(who, seconds).forEach((frame, i) =>
    send({ event: 'media', sequenceNumber: String(i + 2), media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: frame.toString('base64') }, streamSid }),
  );
  if (opts.stop) send({ event: 'stop', sequenceNumber: '99999', stop: { accountSid: TEST_CONFIG.twilio.accountSid, callSid }, streamSid });
  await closed;
}

/** The pop an agent is offered for the call (the agent signs in, routing offers it). */
async function popOf(callSid: string): Promise<Record<string, any>> {
  const c = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: callSid } });
  await request(t.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'available' }).expect(200);
  await t.services.routing.dispatch();
  const messages = await t.db.prisma.agentMessage.findMany({ where: { agentId: 'sara', type: 'screen_pop' } });
  const pop = messages.map((m) => m.payload as Record<string, any>).find((p) => p.call.id === c.id);
  if (!pop) throw new Error('no pop for the call');
  return pop;
}

const timelineOf = async (customerId: string) => (await t.db.prisma.interaction.findMany({ where: { customerId }, orderBy: { at: 'asc' } })).map((i) => ({ type: i.type, summary: i.summary }));
const noRisk = { watchlist: false, spoofSuspected: false };
const PIN_GATHER = /<Gather action="[^"]+" method="POST" input="dtmf" timeout="8" actionOnEmptyResult="true" language="en-US" numDigits="8" finishOnKey="#"><Say voice="Polly.Joanna">Please enter your PIN, followed by the hash key.<\/Say><\/Gather>/;

describe('verifying a caller in the IVR before sensitive self-service', () => {
  it('verifies an enrolled, consenting caller by voice while they say why they call, then the pop shows the verdict', async () => {
    const c = await customer({ consent: true, enrolled: true });
    const { params, next } = await call(c.phone);
    const asked = await next({ Digits: '4' });
    const requestId = streamOf(asked);
    expect(asked).toMatch(/<Gather action="[^"]+" method="POST" input="speech" timeout="5" actionOnEmptyResult="true" language="en-US" speechTimeout="auto" maxSpeechTime="20"><Say voice="Polly.Joanna">To confirm it is you, please tell us in a few words why you are calling today.<\/Say><\/Gather>/);

    await stream(requestId, params.CallSid, 'genuine', 12);
    const done = await next({ SpeechResult: 'I want to check my balance', Confidence: '0.91' });
    expect(done).toContain(`<Stop><Stream name="${requestId}"/></Stop>`);
    expect(done).toContain('Thank you, you are verified.');
    expect(done).toMatch(/<Enqueue[^>]*>billing<\/Enqueue>/);

    const pop = await popOf(params.CallSid);
    expect(pop.verification).toEqual({ status: 'verified', method: 'voice', score: expect.any(Number), risk: noRisk });
    expect(pop.verification.score).toBeGreaterThanOrEqual(0.9);
    expect(await timelineOf(c.id)).toContainEqual({ type: 'verification', summary: 'Caller verified by voice' });
  });

  it("fails a voice that is not the customer's when the flow says so, and offers the PIN when it does not", async () => {
    const strict = structuredClone(demoFlowDefinition);
    Object.assign(strict.nodes.verify_balance, { onNoMatch: 'fail' });
    await t.services.flows.publish('main', strict, { comment: 'no PIN after a no-match' });
    try {
      const c = await customer({ consent: true, enrolled: true, pin: true });
      const { params, next } = await call(c.phone);
      const requestId = streamOf(await next({ Digits: '4' }));
      await stream(requestId, params.CallSid, 'impostor', 12);
      const done = await next({ SpeechResult: 'balance' });
      expect(done).toContain('We could not complete the check of who you are.');
      expect(done).not.toMatch(/PIN/);
      expect((await popOf(params.CallSid)).verification).toMatchObject({ status: 'failed', method: 'voice', risk: noRisk });
    } finally {
      await t.services.flows.publish('main', demoFlowDefinition, { comment: 'demo again' });
    }
    const c = await customer({ consent: true, enrolled: true, pin: true });
    const { params, next } = await call(c.phone);
    await stream(streamOf(await next({ Digits: '4' })), params.CallSid, 'impostor', 12);
    expect(await next({ SpeechResult: 'balance' })).toMatch(PIN_GATHER);
  });

  it('asks for the PIN when the caller said too little, and the pop says the PIN verified them', async () => {
    const c = await customer({ consent: true, enrolled: true, pin: true });
    const { params, next } = await call(c.phone);
    const requestId = streamOf(await next({ Digits: '4' }));
    await stream(requestId, params.CallSid, 'genuine', 3, { stop: true });
    const pin = await next({ SpeechResult: 'hi' });
    expect(pin).toContain(`<Stop><Stream name="${requestId}"/></Stop>`);
    // Keypad only: a PIN never reaches speech recognition.
    expect(pin).toMatch(PIN_GATHER);
    const done = await next({ Digits: PIN, FinishedOnKey: '#' });
    expect(done).toContain('Thank you, you are verified.');
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'verified', method: 'pin', risk: noRisk });
    expect(await timelineOf(c.id)).toContainEqual({ type: 'verification', summary: 'Caller verified by PIN (not enough speech for a voice check)' });
  });

  it('asks a first-time caller for consent in their language, records it, checks the PIN, then enrols their voice from the same call', async () => {
    const c = await customer({ pin: true });
    const { params, next } = await call(c.phone);
    const consent = await next({ Digits: '4' });
    expect(consent).toMatch(/<Gather action="[^"]+" method="POST" input="dtmf" timeout="5" actionOnEmptyResult="true" language="en-US" numDigits="1"><Say voice="Polly.Joanna">Next time, we can recognise you by your voice[^<]*To agree, press 1. To decline, press 2.<\/Say><\/Gather>/);
    expect(vendor.requests).toHaveLength(0);

    const pin = await next({ Digits: '1' });
    expect(pin).toContain('Thank you for agreeing.');
    expect(pin).toMatch(PIN_GATHER);
    const consents = await request(t.app).get(`/api/customers/${c.id}/consents`).set('Authorization', `Bearer ${t.token('admin')}`).expect(200);
    expect(consents.body.consents).toContainEqual({ purpose: 'voice_biometrics', granted: true, at: t.clock.now.toISOString(), channel: 'ivr', textVersion: 'vb-ivr-1' });

    const done = await next({ Digits: PIN });
    const enrolId = streamOf(done, 'enrol');
    expect(done).toContain('Thank you, you are verified.');
    expect(done).toMatch(/<Enqueue[^>]*>billing<\/Enqueue>/);
    // The enrolment stream runs on while the caller waits for an agent.
    await stream(enrolId, params.CallSid, 'genuine', 31);
    await vi.waitFor(async () => expect((await voice.enrolment(c.id)).enrolled).toBe(true), { timeout: 5000 });
    expect(vendor.requests.map((r) => r.path)).toEqual(['/enrollments']);
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'verified', method: 'pin', risk: noRisk });
    expect(await timelineOf(c.id)).toEqual(
      expect.arrayContaining([
        { type: 'consent', summary: 'Consent to voice biometrics granted (ivr, text vb-ivr-1)' },
        { type: 'verification', summary: 'Caller verified by PIN (no voiceprint yet)' },
        { type: 'voice_enrolment', summary: 'Voiceprint enrolment started from this call, after a PIN check, with consent' },
      ]),
    );
  });

  it('uses the PIN when the vendor is down, and the pop says the PIN was the method', async () => {
    const c = await customer({ consent: true, enrolled: true, pin: true });
    vendor.mode = 'failing';
    const { params, next } = await call(c.phone);
    const requestId = streamOf(await next({ Digits: '4' }));
    await stream(requestId, params.CallSid, 'genuine', 12);
    const pin = await next({ SpeechResult: 'my balance please' });
    expect(pin).toMatch(PIN_GATHER);
    await next({ Digits: PIN });
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'verified', method: 'pin', risk: noRisk });
    expect(await timelineOf(c.id)).toContainEqual({ type: 'verification', summary: 'Caller verified by PIN (voice check unavailable)' });
  });

  it('locks the PIN after three wrong ones, says so to the caller and the pop, and never keeps a digit', async () => {
    const c = await customer({ consent: false, pin: true });
    const { params, next } = await call(c.phone);
    expect(await next({ Digits: '4' })).toMatch(PIN_GATHER);
    const again = await next({ Digits: '111111' });
    expect(again).toContain('That PIN was not correct.');
    expect(again).toMatch(PIN_GATHER);
    await next({ Digits: '222222' });
    const locked = await next({ Digits: '333333' });
    expect(locked).toContain('Your PIN is locked for now');
    expect(locked).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'locked', method: 'pin', risk: noRisk });
    expect(await timelineOf(c.id)).toEqual(expect.arrayContaining([{ type: 'pin_locked', summary: 'PIN locked after too many wrong attempts in the IVR' }]));

    const stored = JSON.stringify([
      await t.db.prisma.callStep.findMany({ where: { call: { providerCallId: params.CallSid } } }),
      await t.db.prisma.call.findMany({ where: { providerCallId: params.CallSid } }),
      await t.db.prisma.interaction.findMany({ where: { customerId: c.id } }),
      await t.db.prisma.queueEntry.findMany({ where: { callId: (await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: params.CallSid } })).id } }),
    ]);
    for (const digits of ['111111', '222222', '333333', PIN]) {
      expect(stored).not.toContain(digits);
      expect(logLines.join('')).not.toContain(digits);
    }
    expect(stored).toContain('"input":"***"');
  });

  it('fails a watchlisted number closed without asking anything, tells supervisors and not the caller', async () => {
    const c = await customer({ consent: true, enrolled: true, pin: true });
    await t.services.biometrics.watchlist.add({ kind: 'number', value: c.phone, reason: 'account takeover attempts' }, 'admin-1');
    const { params, next } = await call(c.phone);
    const done = await next({ Digits: '4' });
    expect(done).toContain('We could not complete the check of who you are.');
    expect(done).not.toMatch(/watchlist|fraud|suspect/i);
    expect(done).not.toContain('<Start>');
    expect(vendor.requests).toHaveLength(0);
    const callId = (await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: params.CallSid } })).id;
    expect(alerts).toEqual([{ type: 'fraud_suspected', at: t.clock.now.toISOString(), callId, reason: 'watchlist' }]);
    expect(JSON.stringify(alerts)).not.toContain(c.phone.slice(4));
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'failed', risk: { watchlist: true, spoofSuspected: false } });
  });

  it('fails a spoofed voice closed even though it matches, with the warning in the pop', async () => {
    const c = await customer({ consent: true, enrolled: true, pin: true });
    const { params, next } = await call(c.phone);
    await stream(streamOf(await next({ Digits: '4' })), params.CallSid, 'spoof', 12);
    const done = await next({ SpeechResult: 'balance' });
    expect(done).toContain('We could not complete the check of who you are.');
    expect(done).not.toMatch(/PIN|spoof|fraud/i);
    expect(alerts).toMatchObject([{ type: 'fraud_suspected', reason: 'spoof' }]);
    expect((await popOf(params.CallSid)).verification).toMatchObject({ status: 'failed', method: 'voice', risk: { watchlist: false, spoofSuspected: true } });
  });

  it('never contacts the vendor for a caller who declines consent, and checks the PIN instead', async () => {
    const c = await customer({ pin: true });
    const { params, next } = await call(c.phone);
    await next({ Digits: '4' });
    const pin = await next({ Digits: '2' });
    expect(pin).toContain('No problem. We will check who you are with your PIN.');
    expect(pin).toMatch(PIN_GATHER);
    const done = await next({ Digits: PIN });
    expect(done).not.toContain('<Start>');
    expect(vendor.requests).toHaveLength(0);
    expect(await t.db.prisma.voiceprint.count({ where: { customerId: c.id, status: 'enrolled' } })).toBe(0);
    const consents = await t.services.consents.latestConsents(c.id);
    expect(consents).toContainEqual(expect.objectContaining({ purpose: 'voice_biometrics', granted: false, channel: 'ivr', textVersion: 'vb-ivr-1' }));
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'verified', method: 'pin', risk: noRisk });
  });

  it('records a withdrawal pressed in the IVR, which deletes the voiceprint at the vendor', async () => {
    const c = await customer({ consent: true, enrolled: true });
    const { next } = await call(c.phone);
    const said = await next({ Digits: '8' });
    expect(said).toContain('Your consent to voice verification is withdrawn, and your voiceprint will be deleted.');
    expect(said).toContain('For billing, press 1.');
    expect(await t.services.consents.latestConsents(c.id)).toContainEqual(expect.objectContaining({ purpose: 'voice_biometrics', granted: false, channel: 'ivr' }));
    await vi.waitFor(() => expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toContain(`DELETE /speakers/${c.speakerId}`), { timeout: 5000 });
    // The next call uses the PIN path: no voice without a grant.
    const second = await call(c.phone);
    expect(await second.next({ Digits: '4' })).not.toContain('<Start>');
  });

  it('does not verify an unknown caller: nothing to check against, and the pop says skipped', async () => {
    const params = { CallSid: newCallSid(), From: '+966559990001', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', params).expect(200);
    // Unknown callers choose a language first.
    expect((await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...params, Digits: '2' }).expect(200)).text).toContain('For your balance, press 4.');
    const res = await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...params, Digits: '4' }).expect(200);
    expect(res.text).toContain('We could not complete the check of who you are.');
    expect(vendor.requests).toHaveLength(0);
    expect((await popOf(params.CallSid)).verification).toEqual({ status: 'skipped', risk: noRisk });
  });
});
