import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoSpeech } from '../../scripts/demo-voice-audio.js';
import { createVendorClient, type VendorClient } from '../../src/biometrics/vendor-client.js';
import { signBiometricsBody } from '../../src/biometrics/vendor-signature.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../helpers/fake-biometrics-vendor.js';

const SECRET = 'vendor-shared-secret';
const CALLBACK = 'https://cc.example.test/webhooks/biometrics/result';
let vendor: FakeVendor;
let client: VendorClient;
let n = 0;

const audio = (voice: 'genuine' | 'impostor', seconds: number) => ({ kind: 'mulaw' as const, bytes: Buffer.concat(demoSpeech(voice, seconds)) });
const newClient = (over: Partial<Parameters<typeof createVendorClient>[0]> = {}) =>
  createVendorClient({ vendorUrl: vendor.url, secret: SECRET, callbackUrl: CALLBACK, now: () => new Date(), deadlineMs: 300, breakerFailures: 3, breakerHalfOpenMs: 60_000, ...over });
const rid = () => `req-${++n}`;

beforeAll(async () => {
  vendor = await startFakeBiometricsVendor({ secret: SECRET });
});
afterAll(() => vendor.close());
beforeEach(() => {
  vendor.mode = 'honest';
  vendor.enrolled.clear();
  vendor.requests.length = 0;
  client = newClient();
});

describe('the vendor client (DESIGN.md contract)', () => {
  it('sends a signed request with the audio as base64 μ-law 8000 Hz and our callback URL', async () => {
    const bytes = Buffer.concat(demoSpeech('genuine', 10));
    const requestId = rid();
    await client.submit('enrol', { requestId, speakerId: 'spk_a', audio: { kind: 'mulaw', bytes } });
    const [sent] = vendor.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/enrollments', signatureValid: true });
    expect(sent!.body).toEqual({
      requestId,
      speakerId: 'spk_a',
      audio: { encoding: 'audio/x-mulaw', sampleRate: 8000, data: bytes.toString('base64') },
      callbackUrl: CALLBACK,
    });
  });

  it('sends Connect audio as the stream ARN and start fragment for the vendor to read', async () => {
    const requestId = rid();
    await client.submit('verify', { requestId, speakerId: 'spk_b', audio: { kind: 'kvs', streamArn: 'arn:aws:kinesisvideo:eu-central-1:1:stream/x/1', startFragmentNumber: '9100' } });
    expect(vendor.requests[0]).toMatchObject({ path: '/verifications', signatureValid: true });
    expect((vendor.requests[0]!.body as { audio: unknown }).audio).toEqual({ kvsStreamArn: 'arn:aws:kinesisvideo:eu-central-1:1:stream/x/1', startFragmentNumber: '9100' });
  });

  it("returns an honest vendor's verdicts: match, no_match, not_enough_speech, not_enrolled", async () => {
    const enrol = await client.submit('enrol', { requestId: rid(), speakerId: 'spk_c', audio: audio('genuine', 10) });
    expect(enrol).toMatchObject({ status: 'result', result: { decision: 'match', spoof: false } });
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_c', audio: audio('genuine', 6) })).toMatchObject({ status: 'result', result: { decision: 'match', score: 0.95 } });
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_c', audio: audio('impostor', 6) })).toMatchObject({ status: 'result', result: { decision: 'no_match' } });
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_c', audio: audio('genuine', 1) })).toMatchObject({ status: 'result', result: { decision: 'not_enough_speech' } });
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_nobody', audio: audio('genuine', 6) })).toMatchObject({ status: 'result', result: { decision: 'not_enrolled' } });
  });

  it('accepts an unsigned 200 answer from a vendor that does not sign its answers', async () => {
    vendor.signAnswers = false;
    try {
      expect(await client.submit('enrol', { requestId: rid(), speakerId: 'spk_d', audio: audio('genuine', 10) })).toMatchObject({ status: 'result' });
    } finally {
      vendor.signAnswers = true;
    }
  });

  it('a 202 means the result comes later', async () => {
    vendor.mode = 'async';
    vendor.callbackBase = 'http://127.0.0.1:9';
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_e', audio: audio('genuine', 6) })).toEqual({ status: 'accepted' });
    await vendor.settled();
  });

  it('a slow vendor is cut off at the deadline: unavailable (timeout)', async () => {
    vendor.mode = 'slow';
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_f', audio: audio('genuine', 6) })).toEqual({ status: 'unavailable', reason: 'timeout' });
  });

  it('a failing vendor is unavailable (vendor_error); an unreachable one too', async () => {
    vendor.mode = 'failing';
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_g', audio: audio('genuine', 6) })).toEqual({ status: 'unavailable', reason: 'vendor_error' });
    const nowhere = newClient({ vendorUrl: 'http://127.0.0.1:9' });
    expect(await nowhere.submit('verify', { requestId: rid(), speakerId: 'spk_g', audio: audio('genuine', 6) })).toEqual({ status: 'unavailable', reason: 'vendor_error' });
  });

  it('a lying vendor (forged signature, garbage) is a bad_response, never a verdict', async () => {
    vendor.mode = 'lying_signature';
    expect(await client.submit('enrol', { requestId: rid(), speakerId: 'spk_h', audio: audio('genuine', 10) })).toEqual({ status: 'unavailable', reason: 'bad_response' });
    vendor.mode = 'lying_garbage';
    expect(await client.submit('enrol', { requestId: rid(), speakerId: 'spk_h', audio: audio('genuine', 10) })).toEqual({ status: 'unavailable', reason: 'bad_response' });
  });

  it('opens the breaker after consecutive failures: the next calls are refused without reaching the vendor', async () => {
    vendor.mode = 'failing';
    for (let i = 0; i < 3; i++) await client.submit('verify', { requestId: rid(), speakerId: 'spk_i', audio: audio('genuine', 6) });
    expect(client.breakerOpen()).toBe(true);
    const reached = vendor.requests.length;
    vendor.mode = 'honest';
    expect(await client.submit('verify', { requestId: rid(), speakerId: 'spk_i', audio: audio('genuine', 6) })).toEqual({ status: 'unavailable', reason: 'circuit_open' });
    expect(vendor.requests.length).toBe(reached);
  });

  it('deletes a speaker with a signed DELETE; a 404 counts as deleted, a 500 does not', async () => {
    expect(await client.deleteSpeaker('spk_j')).toEqual({ deleted: true });
    expect(vendor.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/speakers/spk_j', signatureValid: true });
    vendor.deleteFailures = 1;
    expect(await client.deleteSpeaker('spk_j')).toEqual({ deleted: false, error: 'vendor answered 500' });
  });

  it('a vendor refusing our signature (another secret) is an error, not a verdict', async () => {
    const wrong = newClient({ secret: 'not-the-shared-secret' });
    expect(await wrong.submit('verify', { requestId: rid(), speakerId: 'spk_k', audio: audio('genuine', 6) })).toEqual({ status: 'unavailable', reason: 'vendor_error' });
    expect(vendor.requests.at(-1)!.signatureValid).toBe(false);
  });

  it('sends again once when the vendor dropped a kept-alive connection under the request', async () => {
    let seen = 0;
    const flaky = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        seen += 1;
        if (seen === 1) return void req.socket.destroy();
        const { requestId } = JSON.parse(raw) as { requestId: string };
        const json = JSON.stringify({ requestId, decision: 'match', score: 0.9, spoof: false, fraud: { watchlistHit: false, risk: 0.1 } });
        res.writeHead(200, { 'content-type': 'application/json', 'X-Biometrics-Signature': signBiometricsBody(SECRET, json, new Date()) }).end(json);
      });
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const c = newClient({ vendorUrl: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`, deadlineMs: 5000 });
      expect(await c.submit('verify', { requestId: rid(), speakerId: 'spk_l', audio: audio('genuine', 6) })).toMatchObject({ status: 'result', result: { decision: 'match' } });
      expect(seen).toBe(2);
    } finally {
      flaky.closeAllConnections();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});
