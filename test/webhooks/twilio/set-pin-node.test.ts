/**
 * The IVR's `set_pin` node through signed Twilio webhooks: a caller verified in this call
 * keys a new PIN twice and it replaces the old one (the API's hashing and rules); anyone not
 * verified goes to `notAllowed` without being asked; mismatches end in `failed` with the PIN
 * unchanged. The digits are never kept: not in steps, the call, the timeline or the logs.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TFlowInput } from '../../../src/ivr/flow-schema.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../../helpers/test-app.js';

const OLD_PIN = '48291573';
const NEW_PIN = '730519';

let t: TestApp;
let n = 0;
const logLines: string[] = [];

const flow = {
  name: 'main',
  start: 'main',
  defaultLanguage: 'en',
  voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
  nodes: {
    main: {
      type: 'menu',
      prompt: { ar: 'لتغيير رمزك السري اضغط 4.', en: 'To change your PIN, press 4.' },
      options: [
        { digit: '4', next: 'verify_me' },
        { digit: '9', next: 'change_pin' },
      ],
      fallback: 'q_general',
    },
    verify_me: { type: 'verify', verified: 'change_pin', failed: 'q_general', unverified: 'change_pin' },
    change_pin: { type: 'set_pin', done: 'q_general', failed: 'not_changed', notAllowed: 'verify_first' },
    not_changed: { type: 'say', prompt: { ar: 'لم نتمكن من تغيير رمزك السري.', en: 'We could not change your PIN.' }, next: 'q_general' },
    verify_first: { type: 'say', prompt: { ar: 'يجب التحقق من هويتك أولاً.', en: 'We need to confirm who you are first.' }, next: 'q_general' },
    q_general: { type: 'queue', queue: 'general' },
  },
} satisfies TFlowInput;

beforeAll(async () => {
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  t = await createTestApp({ publishDemoFlow: false, logger: pino({ level: 'debug' }, sink) });
  await t.services.rules.addQueue('general', {});
  await t.services.flows.publish('main', flow, { comment: 'set pin' });
});
afterAll(async () => {
  await t?.shutdown();
  await t?.close();
});

async function customer(language: 'ar' | 'en' = 'en') {
  n += 1;
  const id = `cust-sp-${n}`;
  const phone = `+9665530${String(n).padStart(5, '0')}`;
  await t.services.customers.upsert({ id, name: 'Huda Test', phones: [phone], language, tier: 'gold' });
  await t.services.biometrics.setPin(id, OLD_PIN);
  return { id, phone };
}

async function call(phone: string) {
  const params = { CallSid: newCallSid(), From: phone, To: '+966920000000' };
  const first = await postTwilio(t.app, '/webhooks/twilio/voice', params).expect(200);
  expect(first.text).toMatch(/To change your PIN, press 4\.|لتغيير رمزك السري اضغط 4/);
  let seq = 1;
  const next = async (answer: Record<string, string> = {}) => {
    const res = await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq}`, { ...params, ...answer }).expect(200);
    seq += 1;
    return res.text;
  };
  return { params, next };
}

/** A keypad-only gather for a PIN (no speech recognition hears it), `#` ends it. */
const pinGather = (text: string, lang = 'en-US', voice = 'Polly.Joanna') =>
  new RegExp(`<Gather [^>]*input="dtmf" timeout="8"[^>]*language="${lang}" numDigits="8" finishOnKey="#"><Say voice="${voice}">${text.replace(/[.?]/g, '\\$&')}</Say></Gather>`);
const NEW_PROMPT = 'Please enter your new PIN, 4 to 8 digits, followed by the hash key.';
const CONFIRM_PROMPT = 'Please enter your new PIN again to confirm, followed by the hash key.';

const pinTimeline = async (customerId: string) =>
  (await t.db.prisma.interaction.findMany({ where: { customerId, type: 'pin_changed' } })).map((i) => ({ channel: i.channel, summary: i.summary }));

async function storedFor(callSid: string, customerId: string): Promise<string> {
  const c = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: callSid } });
  return JSON.stringify([
    await t.db.prisma.callStep.findMany({ where: { callId: c.id } }),
    c,
    await t.db.prisma.interaction.findMany({ where: { customerId } }),
    await t.db.prisma.queueEntry.findMany({ where: { callId: c.id } }),
  ]);
}

describe('a verified caller changing their PIN in the IVR', () => {
  it('asks twice, saves the new PIN (the old one stops working), notes it on the timeline and keeps no digit', async () => {
    const c = await customer();
    const { params, next } = await call(c.phone);
    await next({ Digits: '4' });
    const asked = await next({ Digits: OLD_PIN, FinishedOnKey: '#' });
    expect(asked).toMatch(pinGather(NEW_PROMPT));
    const confirm = await next({ Digits: NEW_PIN, FinishedOnKey: '#' });
    expect(confirm).toMatch(pinGather(CONFIRM_PROMPT));
    const done = await next({ Digits: NEW_PIN, FinishedOnKey: '#' });
    expect(done).toContain('Your PIN has been changed.');
    expect(done).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);

    expect(await t.services.biometrics.verifyPin(c.id, NEW_PIN)).toBe('verified');
    expect(await t.services.biometrics.verifyPin(c.id, OLD_PIN)).toBe('failed');
    expect(await pinTimeline(c.id)).toEqual([{ channel: 'voice', summary: 'PIN changed by the verified caller in the IVR' }]);

    const stored = await storedFor(params.CallSid, c.id);
    for (const digits of [OLD_PIN, NEW_PIN]) {
      expect(stored).not.toContain(digits);
      expect(logLines.join('')).not.toContain(digits);
    }
    expect(stored).toContain('"nodeType":"set_pin"');
    expect(stored).toContain('"input":"***"');
  });

  it('asks in Arabic a caller whose language is Arabic', async () => {
    const c = await customer('ar');
    const { next } = await call(c.phone);
    await next({ Digits: '4' });
    const asked = await next({ Digits: OLD_PIN });
    expect(asked).toMatch(pinGather('يرجى إدخال رمزك السري الجديد، من 4 إلى 8 أرقام، ثم الضغط على مفتاح المربع.', 'ar-SA', 'Polly.Zeina'));
    const confirm = await next({ Digits: '555123' });
    expect(confirm).toContain('يرجى إدخال الرمز السري الجديد مرة أخرى للتأكيد');
    expect(await next({ Digits: '555123' })).toContain('تم تغيير رمزك السري.');
    expect(await t.services.biometrics.verifyPin(c.id, '555123')).toBe('verified');
  });

  it('sends a caller who was not verified in this call to notAllowed without asking, and changes nothing', async () => {
    const c = await customer();
    const { params, next } = await call(c.phone);
    const skipped = await next({ Digits: '9' });
    expect(skipped).not.toContain('new PIN');
    expect(skipped).not.toContain('<Gather');
    expect(skipped).toContain('We need to confirm who you are first.');
    expect(skipped).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect(await t.services.biometrics.verifyPin(c.id, OLD_PIN)).toBe('verified');
    expect(await pinTimeline(c.id)).toEqual([]);
    expect(await storedFor(params.CallSid, c.id)).toContain('"result":"skipped"');

    // An unknown caller passes verify as unverified: not allowed either.
    const stranger = await call('+966553337777');
    const refused = await stranger.next({ Digits: '4' });
    expect(refused).toContain('We need to confirm who you are first.');
    expect(refused).not.toContain('new PIN');
  });

  it('gives up after two mismatches, leaving the PIN as it was', async () => {
    const c = await customer();
    const { params, next } = await call(c.phone);
    await next({ Digits: '4' });
    await next({ Digits: OLD_PIN });
    await next({ Digits: '246813' });
    const again = await next({ Digits: '246831' });
    expect(again).toContain('The two PINs did not match.');
    expect(again).toMatch(pinGather(NEW_PROMPT));
    await next({ Digits: '975310' });
    const failed = await next({ Digits: '975301' });
    expect(failed).toContain('We could not change your PIN.');
    expect(failed).not.toContain('Your PIN has been changed.');
    expect(failed).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);

    expect(await t.services.biometrics.verifyPin(c.id, OLD_PIN)).toBe('verified');
    expect(await pinTimeline(c.id)).toEqual([]);
    const stored = await storedFor(params.CallSid, c.id);
    for (const digits of ['246813', '246831', '975310', '975301']) {
      expect(stored).not.toContain(digits);
      expect(logLines.join('')).not.toContain(digits);
    }
  });

  it('re-asks a PIN of the wrong length with the API rule, and counts it as a miss', async () => {
    const c = await customer();
    const { next } = await call(c.phone);
    await next({ Digits: '4' });
    await next({ Digits: OLD_PIN });
    const short = await next({ Digits: '123' });
    expect(short).toContain('A PIN must be 4 to 8 digits.');
    expect(short).toMatch(pinGather(NEW_PROMPT));
    await next({ Digits: '864209' });
    expect(await next({ Digits: '864290' })).toContain('We could not change your PIN.');
    expect(await t.services.biometrics.verifyPin(c.id, OLD_PIN)).toBe('verified');
  });
});

describe('publishing a flow with a set_pin node', () => {
  const put = (definition: unknown) => request(t.app).put('/api/ivr/flows/main').set('Authorization', `Bearer ${t.token('admin')}`).send({ definition });

  it('refuses a set_pin node in a flow with no verify node, and a missing branch, naming the field', async () => {
    const before = await t.db.prisma.ivrFlow.count();
    const unverified = structuredClone(flow) as any;
    delete unverified.nodes.verify_me;
    unverified.nodes.main.options = [{ digit: '9', next: 'change_pin' }];
    const res = await put(unverified).expect(422);
    expect(res.body.error.details.errors).toContainEqual({ path: 'nodes.change_pin.type', message: expect.stringContaining('needs a verify node') });

    const dangling = structuredClone(flow) as any;
    dangling.nodes.change_pin.notAllowed = 'nowhere';
    const res2 = await put(dangling).expect(422);
    expect(res2.body.error.details.errors).toContainEqual({ path: 'nodes.change_pin.notAllowed', message: "unknown node 'nowhere'" });
    expect(await t.db.prisma.ivrFlow.count()).toBe(before);
  });
});
