import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, OPEN_HOURS, postTwilio, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
const NOURA = '+966501234567';
const FAHAD = '+966503334444';

beforeAll(async () => {
  t = await createTestApp();
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: [NOURA], language: 'ar', tier: 'gold' });
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  await t.services.customers.upsert({ id: 'c-fahad', name: 'فهد العتيبي', phones: [FAHAD], language: 'ar', tier: 'platinum' });
  await t.services.interactions.record({
    idempotencyKey: 'complaint-1', customerId: 'c-fahad', phoneE164: null, channel: 'branch', type: 'complaint', status: 'open',
    at: new Date('2026-11-20T10:00:00Z'), summary: 'Installation missed twice',
  });
});
afterAll(() => t.close());

const call = (from: string) => ({ CallSid: newCallSid(), From: from, To: '+966920000000' });
const gatherUrl = (twiml: string) => /action="https:\/\/cc\.example\.test([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');

describe('an inbound call through signed Twilio webhooks', () => {
  it('greets a known caller by name in Arabic, found from a local 05 number, and skips the language menu', async () => {
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', call('0501234567'));
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/xml');
    expect(res.text).toContain('أهلاً بعودتك يا نورة القحطاني');
    expect(res.text).not.toContain('For English, press 2');
    expect(gatherUrl(res.text)).toBe('/webhooks/twilio/gather?seq=1');
  });

  it('takes a caller from the menu to the billing queue and logs the whole call, once, on the timeline', async () => {
    const params = call(NOURA);
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', params);
    const menu = await postTwilio(t.app, gatherUrl(first.text)!, { ...params, Digits: '1' });
    expect(menu.text).toContain('رقم حسابك');
    const queued = await postTwilio(t.app, gatherUrl(menu.text)!, { ...params, Digits: '12345678' });
    expect(queued.text).toMatch(/<Enqueue[^>]*>billing<\/Enqueue>/);
    const status = await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '95' });
    expect(status.status).toBe(204);

    const timeline = await t.services.interactions.page('c-noura', { limit: 50 });
    const item = timeline.items.find((i) => i.callId && i.call?.steps.length === 3);
    expect(item).toMatchObject({ channel: 'voice', type: 'call' });
    expect(item!.call).toMatchObject({ status: 'completed', queue: 'billing', intent: 'billing', language: 'ar', durationSeconds: 95, path: ['main', 'account', 'q_billing'] });
    expect(item!.call!.steps.map((s) => [s.nodeId, s.input, s.result])).toEqual([
      ['route', null, 'entered'],
      ['main', '1', 'matched'],
      ['account', '12345678', 'matched'],
    ]);
    expect(item!.summary).toContain('queued to billing');
    expect(item!.summary).toContain('1m 35s');
  });

  it('understands an Arabic spoken request on the menu', async () => {
    const params = call(NOURA);
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', params);
    const res = await postTwilio(t.app, gatherUrl(first.text)!, { ...params, SpeechResult: 'أريد دفع الفاتورة', Confidence: '0.82' });
    expect(res.text).toContain('رقم حسابك');
  });

  it('sends a caller whose last interaction is an open complaint straight to the complaints queue', async () => {
    const res = await postTwilio(t.app, '/webhooks/twilio/voice', call(FAHAD));
    expect(res.text).toMatch(/<Enqueue[^>]*>complaints<\/Enqueue>/);
    expect(res.text).not.toContain('<Gather');
  });

  it('asks an unknown caller for a language and logs the call against the number, linked once the customer exists', async () => {
    const params = call('+966559998877');
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', params);
    expect(first.text).toContain('For English, press 2');
    const english = await postTwilio(t.app, gatherUrl(first.text)!, { ...params, Digits: '2' });
    expect(english.text).toContain('Welcome to customer service.');
    const row = await t.db.prisma.interaction.findFirstOrThrow({ where: { phoneE164: '+966559998877' } });
    expect(row.customerId).toBeNull();

    await t.services.customers.upsert({ id: 'c-new', name: 'Layla', phones: ['+966559998877'], language: 'en', tier: 'standard' });
    const timeline = await t.services.interactions.page('c-new', { limit: 10 });
    expect(timeline.items.map((i) => i.id)).toEqual([row.id]);
  });

  it('re-prompts on silence and sends the caller to the general queue after the retries', async () => {
    const params = call('+966551112233');
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', params);
    const again = await postTwilio(t.app, gatherUrl(first.text)!, params);
    expect(again.text).toContain("Sorry, we didn't receive a choice.");
    const fallback = await postTwilio(t.app, gatherUrl(again.text)!, params);
    expect(fallback.text).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
  });

  it('tells callers outside business hours that the line is closed and hangs up', async () => {
    t.clock.now = new Date('2026-11-27T09:00:00Z'); // a Friday in Riyadh
    try {
      const res = await postTwilio(t.app, '/webhooks/twilio/voice', call('+966551112233'));
      expect(res.text).toContain('currently closed');
      expect(res.text).toContain('<Hangup/>');
    } finally {
      t.clock.now = OPEN_HOURS;
    }
  });
});
