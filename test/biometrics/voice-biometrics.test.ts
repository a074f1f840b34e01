import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { demoSpeech } from '../../scripts/demo-voice-audio.js';
import type { VoiceBiometricsService } from '../../src/biometrics/voice-biometrics.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret';
let vendor: FakeVendor;
let t: TestApp;
let voice: VoiceBiometricsService;
let n = 0;

const KVS = { kind: 'kvs' as const, streamArn: 'arn:aws:kinesisvideo:eu-central-1:111122223333:stream/cc-contact/1', startFragmentNumber: '91343852333181432392682062607' };
const newCustomer = async () => {
  const id = `cust-voice-${++n}`;
  await t.services.customers.upsert({ id, name: 'Sara Al-Qahtani', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  return id;
};
const callId = () => `call-voice-${++n}`;
const timeline = (customerId: string) => t.db.prisma.interaction.findMany({ where: { customerId, type: 'voiceprint' }, orderBy: { createdAt: 'asc' } });
const deletes = () => vendor.requests.filter((r) => r.method === 'DELETE');

// One app for the file (a fresh database is slow to make); every test uses its own customers and calls.
beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now });
  t = await createTestApp({
    // Generous: a loaded machine must not turn an honest answer into a timeout. The slow vendor's test has its own app.
    biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 5000 },
    voiceOptions: { deletionLoopMs: 20, retryBaseMs: 1000, pollMs: 20 },
  });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
});
afterAll(async () => {
  await t.shutdown();
  await t.close();
  await vendor.close();
});
beforeEach(() => {
  vendor.mode = 'honest';
  vendor.deleteFailures = 0;
  vendor.requests.length = 0;
});

describe('voice biometrics', () => {
  it('gives each customer one opaque speaker id of ours, never their number or name', async () => {
    const customerId = await newCustomer();
    const first = await voice.enrolment(customerId);
    expect(first).toEqual({ speakerId: expect.stringMatching(/^spk_[A-Za-z0-9_-]{22}$/), enrolled: false });
    expect(first.speakerId).not.toContain('9665');
    expect(first.speakerId).not.toContain(customerId);
    expect(await voice.enrolment(customerId)).toEqual(first);
    expect(await voice.enrolment(await newCustomer())).not.toEqual(first);
  });

  it('opens one request per call and kind: a provider retry gets the same request id', async () => {
    const customerId = await newCustomer();
    const id = callId();
    const input = { callId: id, customerId, kind: 'verify' as const, speechSeconds: 10, source: { kind: 'media_stream' as const } };
    const [a, b] = await Promise.all([voice.open(input), voice.open(input)]);
    expect(a.requestId).toBe(b.requestId);
    expect((await voice.open({ ...input, kind: 'enrol' })).requestId).not.toBe(a.requestId);
    expect(await t.db.prisma.biometricRequest.count({ where: { callId: id } })).toBe(2);
  });

  it('enrols from Connect audio: the vendor reads the stream, the verdict is available, the voiceprint enrolled and on the timeline', async () => {
    const customerId = await newCustomer();
    const { requestId } = await voice.open({ callId: callId(), customerId, kind: 'enrol', speechSeconds: 30, source: KVS });
    const outcome = await voice.outcome(requestId, 5000);
    expect(outcome).toMatchObject({ status: 'result', result: { requestId, decision: 'match', spoof: false } });
    const { speakerId } = await voice.enrolment(customerId);
    expect(await voice.enrolment(customerId)).toEqual({ speakerId, enrolled: true });
    expect(vendor.requests[0]!.body).toEqual({
      requestId,
      speakerId,
      audio: { kvsStreamArn: KVS.streamArn, startFragmentNumber: KVS.startFragmentNumber },
      callbackUrl: 'https://cc.example.test/webhooks/biometrics/result',
    });
    expect((await timeline(customerId)).map((i) => [i.channel, i.summary])).toEqual([['voice', 'Voiceprint enrolled for voice biometrics']]);
    const audit = await t.db.prisma.voiceprintAudit.findMany({ where: { speakerId }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['created', 'enrolled']);
  });

  it('verifies buffered stream audio: the verdict reaches outcome() on any node through the database', async () => {
    const customerId = await newCustomer();
    const enrol = await voice.open({ callId: callId(), customerId, kind: 'enrol', speechSeconds: 30, source: { kind: 'media_stream' } });
    await voice.submitAudio(enrol.requestId, Buffer.concat(demoSpeech('genuine', 30)));
    const verify = await voice.open({ callId: callId(), customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    const waiting = voice.outcome(verify.requestId, 5000);
    await voice.submitAudio(verify.requestId, Buffer.concat(demoSpeech('genuine', 10)));
    expect(await waiting).toMatchObject({ status: 'result', result: { decision: 'match', score: 0.95 } });

    const impostor = await voice.open({ callId: callId(), customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    await voice.submitAudio(impostor.requestId, Buffer.concat(demoSpeech('impostor', 10)));
    expect(await voice.outcome(impostor.requestId, 0)).toMatchObject({ status: 'result', result: { decision: 'no_match' } });
  });

  it('a spoofed enrolment is not a voiceprint', async () => {
    const customerId = await newCustomer();
    const { requestId } = await voice.open({ callId: callId(), customerId, kind: 'enrol', speechSeconds: 30, source: { kind: 'media_stream' } });
    await voice.submitAudio(requestId, Buffer.concat(demoSpeech('spoof', 30)));
    expect(await voice.outcome(requestId, 0)).toMatchObject({ status: 'result', result: { spoof: true } });
    expect((await voice.enrolment(customerId)).enrolled).toBe(false);
    expect(await timeline(customerId)).toEqual([]);
  });

  it('answers pending while no verdict came within the wait, and unavailable once the vendor failed', async () => {
    const customerId = await newCustomer();
    const { requestId } = await voice.open({ callId: callId(), customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    expect(await voice.outcome(requestId, 50)).toEqual({ status: 'pending' });
    vendor.mode = 'failing';
    await voice.submitAudio(requestId, Buffer.concat(demoSpeech('genuine', 10)));
    expect(await voice.outcome(requestId, 5000)).toEqual({ status: 'unavailable', reason: 'vendor_error' });
    const stored = await t.db.prisma.biometricRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(stored).toMatchObject({ status: 'failed', failure: 'vendor_error', decision: null });
  });

  it('forgets a voiceprint: DELETE at the vendor, retried in the background until it confirms, on the timeline and audited', async () => {
    const customerId = await newCustomer();
    const { requestId } = await voice.open({ callId: callId(), customerId, kind: 'enrol', speechSeconds: 30, source: KVS });
    await voice.outcome(requestId, 5000);
    const { speakerId } = await voice.enrolment(customerId);
    vendor.deleteFailures = 2;

    expect(await voice.forget(customerId, 'consent_withdrawn')).toEqual({ speakerId, deleted: false });
    expect(await t.db.prisma.voiceprint.findUniqueOrThrow({ where: { speakerId } })).toMatchObject({ status: 'deleting', deleteAttempts: 1 });
    // The retry is due after its backoff on the app's clock.
    await vi.waitFor(async () => {
      t.clock.now = new Date(t.clock.now.getTime() + 60_000);
      expect(await t.db.prisma.voiceprint.findUniqueOrThrow({ where: { speakerId } })).toMatchObject({ status: 'deleted' });
    }, { timeout: 10_000, interval: 50 });
    expect(deletes().map((r) => [r.path, r.signatureValid])).toEqual([
      [`/speakers/${speakerId}`, true],
      [`/speakers/${speakerId}`, true],
      [`/speakers/${speakerId}`, true],
    ]);
    expect(vendor.enrolled.has(speakerId)).toBe(false);
    expect((await timeline(customerId)).map((i) => i.summary)).toEqual([
      'Voiceprint enrolled for voice biometrics',
      'Voiceprint deletion requested (consent withdrawn)',
      'Voiceprint deleted at the voice-biometrics vendor',
    ]);
    const audit = await t.db.prisma.voiceprintAudit.findMany({ where: { speakerId }, orderBy: { at: 'asc' } });
    expect(audit.map((a) => [a.action, a.reason])).toEqual([
      ['created', null],
      ['enrolled', null],
      ['deletion_requested', 'consent_withdrawn'],
      ['deleted', 'consent_withdrawn'],
    ]);
    // Asked again (an erasure after the withdrawal): already deleted, nothing more at the vendor.
    expect(await voice.forget(customerId, 'erasure')).toEqual({ speakerId, deleted: true });
    expect(deletes()).toHaveLength(3);
    // The next enrolment is a new speaker; the deleted one is never reused.
    expect((await voice.enrolment(customerId)).speakerId).not.toBe(speakerId);
  });

  it('forgetting a customer without a voiceprint is done at once', async () => {
    expect(await voice.forget(await newCustomer(), 'erasure')).toEqual({ speakerId: null, deleted: true });
    expect(deletes()).toEqual([]);
  });

  it('withdrawing voice-biometrics consent through the API deletes the voiceprint at the vendor', async () => {
    const customerId = await newCustomer();
    const { speakerId } = await voice.enrolment(customerId);
    const put = (granted: boolean) =>
      request(t.app)
        .put(`/api/customers/${customerId}/consents`)
        .set('Authorization', `Bearer ${t.token('admin')}`)
        .send({ purpose: 'voice_biometrics', granted, channel: 'api', textVersion: 'v1' });
    expect([200, 201]).toContain((await put(true)).status);
    expect(deletes()).toEqual([]);
    expect([200, 201]).toContain((await put(false)).status);
    await vi.waitFor(async () => expect(await t.db.prisma.voiceprint.findUniqueOrThrow({ where: { speakerId } })).toMatchObject({ status: 'deleted', deleteReason: 'consent_withdrawn' }));
    expect(deletes().map((r) => r.path)).toEqual([`/speakers/${speakerId}`]);
  });

  it("an erased customer's voiceprint is still deleted at the vendor, and its verdicts are gone", async () => {
    const customerId = await newCustomer();
    const { requestId } = await voice.open({ callId: callId(), customerId, kind: 'enrol', speechSeconds: 30, source: KVS });
    await voice.outcome(requestId, 5000);
    const { speakerId } = await voice.enrolment(customerId);
    vendor.deleteFailures = 1;
    expect((await voice.forget(customerId, 'erasure')).deleted).toBe(false);
    await t.db.prisma.customer.delete({ where: { id: customerId } });
    await vi.waitFor(async () => {
      t.clock.now = new Date(t.clock.now.getTime() + 60_000);
      expect(await t.db.prisma.voiceprint.findUniqueOrThrow({ where: { speakerId } })).toMatchObject({ status: 'deleted' });
    }, { timeout: 10_000, interval: 50 });
    expect(await t.db.prisma.biometricRequest.count({ where: { customerId } })).toBe(0);
    expect((await t.db.prisma.voiceprintAudit.findMany({ where: { speakerId } })).map((a) => a.action)).toContain('deleted');
  });
});

describe('voice biometrics with a slow vendor', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 200 }, voiceOptions: { breakerFailures: 5 } });
  });
  afterAll(async () => {
    await app.shutdown();
    await app.close();
  });

  it('a slow vendor gives unavailable (timeout) at the deadline, then the breaker answers at once without audio', async () => {
    vendor.mode = 'slow';
    // The vendor checks our signatures against the first app's clock.
    app.clock.now = t.clock.now;
    const customerId = `cust-slow`;
    await app.services.customers.upsert({ id: customerId, name: 'S', phones: [], language: 'en', tier: 'standard' });
    const voice = app.services.biometrics.voice as VoiceBiometricsService;
    for (let i = 0; i < 5; i++) {
      const { requestId } = await voice.open({ callId: `call-slow-${i}`, customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
      await voice.submitAudio(requestId, Buffer.concat(demoSpeech('genuine', 10)));
      expect(await voice.outcome(requestId, 0)).toEqual({ status: 'unavailable', reason: 'timeout' });
    }
    const { requestId } = await voice.open({ callId: 'call-slow-last', customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
    expect(await voice.outcome(requestId, 60_000)).toEqual({ status: 'unavailable', reason: 'circuit_open' });
  });

});

describe('voice biometrics without a vendor', () => {
  it('answers unavailable at once, so the IVR goes to the PIN', async () => {
    const app = await createTestApp();
    try {
      await app.services.customers.upsert({ id: 'cust-novendor', name: 'N', phones: [], language: 'en', tier: 'standard' });
      const v = app.services.biometrics.voice;
      const { requestId } = await v.open({ callId: 'call-nv', customerId: 'cust-novendor', kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
      expect(await v.outcome(requestId, 60_000)).toEqual({ status: 'unavailable', reason: 'vendor_error' });
      // No vendor ever held a voiceprint for this speaker: forgetting it is done at once.
      const { speakerId } = await v.enrolment('cust-novendor');
      expect(await v.forget('cust-novendor', 'erasure')).toEqual({ speakerId: null, deleted: true });
      expect(await app.db.prisma.voiceprint.findUniqueOrThrow({ where: { speakerId } })).toMatchObject({ status: 'retired', liveFor: null });
    } finally {
      await app.shutdown();
      await app.close();
    }
  });
});
