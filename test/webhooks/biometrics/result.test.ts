import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBiometricsBody } from '../../../src/biometrics/vendor-signature.js';
import type { VoiceBiometricsService } from '../../../src/biometrics/voice-biometrics.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret';
let vendor: FakeVendor;
let t: TestApp;
let voice: VoiceBiometricsService;
let server: http.Server;
let n = 0;

beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now, mode: 'async' });
  t = await createTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 5000 }, voiceOptions: { pollMs: 20 } });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
  server = http.createServer(t.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  vendor.callbackBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.shutdown();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
  await vendor.close();
});

/** A verify request without a verdict yet. */
async function pendingRequest() {
  const customerId = `cust-cb-${++n}`;
  await t.services.customers.upsert({ id: customerId, name: 'Callback', phones: [], language: 'en', tier: 'standard' });
  const { requestId } = await voice.open({ callId: `call-cb-${n}`, customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
  return requestId;
}
const result = (requestId: string, over: Record<string, unknown> = {}) => ({ requestId, decision: 'match', score: 0.93, spoof: false, fraud: { watchlistHit: false, risk: 0.04 }, ...over });
function post(body: string, signature: string | null = signBiometricsBody(SECRET, body, t.clock.now)) {
  const req = request(t.app).post('/webhooks/biometrics/result').set('content-type', 'application/json');
  return (signature === null ? req : req.set('X-Biometrics-Signature', signature)).send(body);
}
const stored = (requestId: string) => t.db.prisma.biometricRequest.findUniqueOrThrow({ where: { id: requestId } });

describe('POST /webhooks/biometrics/result', () => {
  it('a 202 from the vendor, then its signed callback: the verdict reaches outcome()', async () => {
    const customerId = `cust-cb-${++n}`;
    await t.services.customers.upsert({ id: customerId, name: 'Async', phones: [], language: 'en', tier: 'standard' });
    const { speakerId } = await voice.enrolment(customerId);
    vendor.enrolled.set(speakerId, 'genuine');
    const { requestId } = await voice.open({
      callId: `call-cb-${n}`,
      customerId,
      kind: 'verify',
      speechSeconds: 10,
      source: { kind: 'kvs', streamArn: 'arn:aws:kinesisvideo:eu-central-1:111122223333:stream/c/1', startFragmentNumber: '1' },
    });
    expect(await voice.outcome(requestId, 10_000)).toMatchObject({ status: 'result', result: { requestId, decision: 'match' } });
    await vendor.settled();
    expect(vendor.callbacks).toContainEqual({ requestId, status: 200 });
  });

  it.each([
    ['no signature', () => null, 'X-Biometrics-Signature: required'],
    ['a signature with another secret', (body: string) => signBiometricsBody('another-secret', body, t.clock.now), 'X-Biometrics-Signature: does not match'],
    ['a signature over another body', () => signBiometricsBody(SECRET, '{}', t.clock.now), 'X-Biometrics-Signature: does not match'],
    ['a signature older than 5 minutes', (body: string) => signBiometricsBody(SECRET, body, new Date(t.clock.now.getTime() - 301_000)), 'X-Biometrics-Signature: older than 5 minutes'],
  ])('refuses %s with 401 and changes nothing', async (_name, sign, message) => {
    const requestId = await pendingRequest();
    const before = await stored(requestId);
    const body = JSON.stringify(result(requestId));
    const res = await post(body, sign(body));
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'UNAUTHORIZED', message });
    expect(await stored(requestId)).toEqual(before);
  });

  it('an unknown requestId is 404', async () => {
    const res = await post(JSON.stringify(result('no-such-request')));
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('requestId: no such request');
  });

  it('the same result twice is one result, 200 both times; another result afterwards is 409 and changes nothing', async () => {
    const requestId = await pendingRequest();
    const body = JSON.stringify(result(requestId));
    const [a, b] = await Promise.all([post(body), post(body)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.status, b.body.status].sort()).toEqual(['already_recorded', 'recorded']);
    const first = await stored(requestId);
    expect(first).toMatchObject({ status: 'done', decision: 'match', score: 0.93 });
    const other = await post(JSON.stringify(result(requestId, { decision: 'no_match', score: 0.1 })));
    expect(other.status).toBe(409);
    expect(await stored(requestId)).toEqual(first);
  });

  it.each([
    ['not JSON', 'match!', 'body: must be JSON'],
    ['an unknown decision', JSON.stringify(result('r', { decision: 'probably' })), 'decision:'],
    ['a score above 1', JSON.stringify(result('r', { score: 1.5 })), 'score: must be between 0 and 1'],
    ['no fraud verdict', JSON.stringify({ requestId: 'r', decision: 'match', score: 0.9, spoof: false }), 'fraud:'],
    ['a NUL byte in the requestId', JSON.stringify(result('r\u0000x')), 'requestId:'],
  ])('a signed but malformed result (%s) is 400 naming the field', async (_name, body, message) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(message);
  });
});
