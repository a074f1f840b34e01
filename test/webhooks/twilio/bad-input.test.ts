import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const callCount = () => t.db.prisma.call.count();
const params = () => ({ CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' });

describe('webhooks that must be refused', () => {
  it('refuses an unsigned webhook with 403 and writes nothing', async () => {
    const before = await callCount();
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', params(), { signature: null });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(await callCount()).toBe(before);
  });

  it('refuses a signature made with another token, or for another URL', async () => {
    const p = params();
    const forged = await postTwilio(t.app, '/webhooks/twilio/voice', p, { signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect(forged.status).toBe(403);
    const twilio = (await import('twilio')).default;
    const otherUrl = twilio.getExpectedTwilioSignature('test-auth-token-0123456789', 'https://cc.example.test/webhooks/twilio/status', p);
    expect((await postTwilio(t.app, '/webhooks/twilio/voice', p, { signature: otherUrl })).status).toBe(403);
  });

  it('refuses a body whose parameters were changed after signing', async () => {
    const p = params();
    const twilio = (await import('twilio')).default;
    const sig = twilio.getExpectedTwilioSignature('test-auth-token-0123456789', 'https://cc.example.test/webhooks/twilio/voice', p);
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', { ...p, From: '+966500000000' }, { signature: sig });
    expect(res.status).toBe(403);
  });

  it('answers a signed but malformed body with 400 naming the field, and writes nothing', async () => {
    const before = await callCount();
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', { CallSid: 'not-a-sid', From: '+966551112233' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^CallSid:/);
    expect(await callCount()).toBe(before);
  });

  it('rejects oversized fields with 400 and a body over the limit with 413', async () => {
    const p = params();
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const long = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, SpeechResult: 'ب'.repeat(3000) });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/^SpeechResult:/);
    const huge = await postTwilio(t.app, '/webhooks/twilio/voice', { ...params(), Junk: 'x'.repeat(40_000) });
    expect(huge.status).toBe(413);
    const steps = await t.db.prisma.callStep.count({ where: { call: { providerCallId: p.CallSid } } });
    expect(steps).toBe(1);
  });

  it('rejects a gather without a step number', async () => {
    const res = await postTwilio(t.app, '/webhooks/twilio/gather', { ...params(), Digits: '1' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^seq:/);
  });

  it.each([
    ['the caller number', '/webhooks/twilio/voice', { From: '+96655\u00001112233' }, 'From'],
    ['the name of an extra form field', '/webhooks/twilio/voice', { 'Extra\u0000': '1' }, 'Extra\\u0000'],
  ])('answers a NUL byte in %s with 400 naming it, and creates no call', async (_label, path, extra, field) => {
    const before = await callCount();
    const res = await postTwilio(t.app, path, { ...params(), ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(await callCount()).toBe(before);
  });

  it('answers a NUL byte in recognised speech with 400 naming it, and records no step', async () => {
    const p = params();
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const res = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { CallSid: p.CallSid, SpeechResult: 'billing\u0000' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^SpeechResult: .*NUL/);
    expect(await t.db.prisma.callStep.count({ where: { call: { providerCallId: p.CallSid } } })).toBe(1);
  });

  it.each([
    ['gzip', 400],
    ['deflate', 400],
    ['br', 400],
    ['x-squash', 415],
  ] as const)('answers a form body wrongly labelled Content-Encoding: %s with %i, and creates no call', async (encoding, status) => {
    const before = await callCount();
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', params()).set('Content-Encoding', encoding);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toContain(encoding);
    expect(await callCount()).toBe(before);
  });

  it('treats an anonymous or SIP caller as unknown instead of failing', async () => {
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', { ...params(), From: 'anonymous' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('For English, press 2');
  });

});
