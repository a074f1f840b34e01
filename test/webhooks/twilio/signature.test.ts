import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../../src/http/error-handler.js';
import { requireTwilioSignature } from '../../../webhooks/twilio/signature.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../../helpers/test-app.js';

// Twilio signs the URL exactly as it requested it: the number's Voice URL as typed in the
// console, or an action URL as our TwiML wrote it. Each test signs the way Twilio would for
// one spelling of that URL; the same signature over a changed request must be refused.

const TOKEN = TEST_CONFIG.twilio.authToken;
const sign = (url: string, params: Record<string, string>, token = TOKEN) => twilio.getExpectedTwilioSignature(token, url, params);
const caller = () => ({ CallSid: newCallSid(), From: '+966551112233', To: '+966920000000', CallStatus: 'ringing', Direction: 'inbound' });

describe('the signature of a webhook to the whole app (PUBLIC_BASE_URL https://cc.example.test)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const calls = () => t.db.prisma.call.count();
  const steps = (callSid: string) => t.db.prisma.callStep.count({ where: { call: { providerCallId: callSid } } });

  it.each([
    ['without a port', 'https://cc.example.test'],
    ['with the default :443 written out', 'https://cc.example.test:443'],
  ])('accepts the Voice URL signed %s, and refuses it once a parameter is changed', async (_label, origin) => {
    const p = caller();
    const signature = sign(`${origin}/webhooks/twilio/voice`, p);
    const before = await calls();
    const forged = await postTwilio(t.app, '/webhooks/twilio/voice', { ...p, From: '+966500000001' }, { signature });
    expect(forged.status).toBe(403);
    expect(await calls()).toBe(before);
    const ok = await postTwilio(t.app, '/webhooks/twilio/voice', p, { signature });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('<Gather');
  });

  it.each([
    ['without a port', 'https://cc.example.test'],
    ['with the default :443 written out', 'https://cc.example.test:443'],
  ])('accepts the gather action URL, query string included, signed %s', async (_label, origin) => {
    const p = caller();
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    // The action URL as Twilio reads it from our TwiML (XML entities decoded).
    const action = /action="([^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    expect(action).toBe('https://cc.example.test/webhooks/twilio/gather?seq=1');
    const gather = { ...p, CallStatus: 'in-progress', Digits: '2', FinishedOnKey: '', msg: 'Gather End' };
    const signature = sign(action.replace('https://cc.example.test', origin), gather);

    // The same signature for another step, or for other digits, is not Twilio's.
    expect((await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', gather, { signature })).status).toBe(403);
    expect((await postTwilio(t.app, '/webhooks/twilio/gather', gather, { signature })).status).toBe(403);
    expect((await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...gather, Digits: '1' }, { signature })).status).toBe(403);
    expect(await steps(p.CallSid)).toBe(1);

    const ok = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', gather, { signature });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Welcome to customer service.');
    expect(await steps(p.CallSid)).toBe(2);
  });

  it('accepts a status callback whose URL carries its own query (the callback leg), and refuses another query under the same signature', async () => {
    const leg = { CallSid: newCallSid(), CallStatus: 'ringing', Direction: 'outbound-api', From: '+966920000000', To: '+966551112233', SequenceNumber: '1', CallbackSource: 'call-progress-events' };
    const path = '/webhooks/twilio/status?callbackFor=0b9d6c1e-5f1a-4b8e-9a57-3c2f4d8e7a10';
    const signature = sign(`https://cc.example.test:443${path}`, leg);
    expect((await postTwilio(t.app, path, leg, { signature })).status).toBe(204);
    expect((await postTwilio(t.app, '/webhooks/twilio/status?callbackFor=someone-else', leg, { signature })).status).toBe(403);
  });

  it('ignores the Host and X-Forwarded-* headers a proxy sets: only PUBLIC_BASE_URL counts', async () => {
    const p = caller();
    const behindProxy = (signature: string, body = p) =>
      request(t.app)
        .post('/webhooks/twilio/voice')
        .type('form')
        .set('Host', '10.0.3.7:3000')
        .set('X-Forwarded-Host', 'lb-internal.example.test')
        .set('X-Forwarded-Proto', 'http')
        .set('X-Forwarded-Port', '8080')
        .set('X-Twilio-Signature', signature)
        .send(body);

    const before = await calls();
    // Signed for the URL the request itself names: not what Twilio signed.
    expect((await behindProxy(sign('http://10.0.3.7:3000/webhooks/twilio/voice', p))).status).toBe(403);
    expect((await behindProxy(sign('http://lb-internal.example.test:8080/webhooks/twilio/voice', p))).status).toBe(403);
    expect((await behindProxy(sign('https://cc.example.test/webhooks/twilio/voice', p), { ...p, To: '+966920000001' })).status).toBe(403);
    expect(await calls()).toBe(before);

    const ok = await behindProxy(sign('https://cc.example.test/webhooks/twilio/voice', p));
    expect(ok.status).toBe(200);
    expect(await calls()).toBe(before + 1);
  });

  it('accepts a request a proxy forwarded with the full URL as its target (absolute-form), and refuses it tampered', async () => {
    const server = http.createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const post = (target: string, params: Record<string, string>, signature: string) =>
      new Promise<number>((resolve, reject) => {
        const body = new URLSearchParams(params).toString();
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: target, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), 'X-Twilio-Signature': signature } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const p = caller();
      const url = 'https://cc.example.test/webhooks/twilio/voice';
      expect(await post(url, { ...p, From: 'anonymous' }, sign(url, p))).toBe(403);
      expect(await post(url, p, sign(url, p))).toBe(200);
      const q = caller();
      expect(await post('https://cc.example.test:443/webhooks/twilio/voice', q, sign(url, q))).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the signature check for other ways PUBLIC_BASE_URL can be written', () => {
  /** Only the check, mounted like the real router: a signed request reaches the handler. */
  function appFor(publicBaseUrl: string) {
    const app = express();
    const router = express.Router();
    router.use(express.urlencoded({ extended: false }));
    router.use(requireTwilioSignature({ authToken: TOKEN, publicBaseUrl }));
    router.post('/voice', (_req, res) => void res.status(200).type('text/xml').send('<Response/>'));
    router.post('/gather', (_req, res) => void res.status(200).type('text/xml').send('<Response/>'));
    app.use('/webhooks/twilio', router);
    app.use(errorHandler(pino({ level: 'silent' })));
    return app;
  }
  const p = { CallSid: 'CA5b0f8a2c3d4e5f60718293a4b5c6d7e8', From: '+966501234567', To: '+966920000000' };
  const post = (app: express.Express, path: string, signature: string, body: Record<string, string> = p) =>
    request(app).post(path).type('form').set('X-Twilio-Signature', signature).send(body);

  it.each([
    // [configured PUBLIC_BASE_URL, URL Twilio signed]
    ['https://cc.example.test:443', 'https://cc.example.test/webhooks/twilio/gather?seq=3'],
    ['https://cc.example.test:443', 'https://cc.example.test:443/webhooks/twilio/gather?seq=3'],
    ['http://cc.example.test', 'http://cc.example.test:80/webhooks/twilio/gather?seq=3'],
    ['http://cc.example.test:80', 'http://cc.example.test/webhooks/twilio/gather?seq=3'],
    ['https://cc.example.test:8443', 'https://cc.example.test:8443/webhooks/twilio/gather?seq=3'],
    ['https://cc.example.test/', 'https://cc.example.test/webhooks/twilio/gather?seq=3'],
    // A proxy that publishes the app under a path and strips it before passing the request on.
    ['https://example.sa/contact-center', 'https://example.sa/contact-center/webhooks/twilio/gather?seq=3'],
    ['https://example.sa:443/contact-center', 'https://example.sa/contact-center/webhooks/twilio/gather?seq=3'],
  ])('with PUBLIC_BASE_URL %s, accepts a webhook Twilio signed for %s and refuses it tampered', async (base, signed) => {
    const app = appFor(base);
    const signature = sign(signed, p);
    expect((await post(app, '/webhooks/twilio/gather?seq=3', signature)).status).toBe(200);
    expect((await post(app, '/webhooks/twilio/gather?seq=3', signature, { ...p, From: '+966501234568' })).status).toBe(403);
    expect((await post(app, '/webhooks/twilio/gather?seq=4', signature)).status).toBe(403);
    expect((await post(app, '/webhooks/twilio/gather?seq=3', sign(signed, p, 'another-accounts-token'))).status).toBe(403);
  });

  it('refuses a signature made for another scheme or host than the one configured', async () => {
    const app = appFor('https://cc.example.test');
    expect((await post(app, '/webhooks/twilio/voice', sign('http://cc.example.test/webhooks/twilio/voice', p))).status).toBe(403);
    expect((await post(app, '/webhooks/twilio/voice', sign('https://evil.example.test/webhooks/twilio/voice', p))).status).toBe(403);
    expect((await post(app, '/webhooks/twilio/voice', sign('https://cc.example.test:8443/webhooks/twilio/voice', p))).status).toBe(403);
  });
});
