/**
 * The IVR's `consent` node through signed Twilio webhooks: a caller is asked once, in their
 * language, for consent to one purpose; the answer goes to the consent register (channel
 * ivr, the node's wording version) with its timeline entry, and later calls are not asked
 * again. Unknown callers cannot consent and are not asked.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TFlowInput } from '../../../src/ivr/flow-schema.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
let n = 0;

const EN_QUESTION = 'May we call you after your calls with a short survey? To agree, press 1. To decline, press 2.';
const AR_QUESTION = 'هل نتصل بك بعد مكالماتك لاستبيان قصير؟ للموافقة اضغط 1، وللرفض اضغط 2.';

const flow = {
  name: 'main',
  start: 'main',
  defaultLanguage: 'en',
  voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
  nodes: {
    main: {
      type: 'menu',
      prompt: { ar: 'للتحدث مع موظف اضغط 0، وللاستبيانات اضغط 5.', en: 'To speak to an agent, press 0. For surveys, press 5.' },
      options: [
        { digit: '0', next: 'q_general' },
        { digit: '5', next: 'survey_consent' },
      ],
      fallback: 'q_general',
    },
    survey_consent: {
      type: 'consent',
      purpose: 'survey',
      prompt: { ar: AR_QUESTION, en: EN_QUESTION },
      textVersion: 'survey-ivr-2',
      noInputPrompt: { ar: 'لم نسمع اختيارك.', en: 'We did not hear a choice.' },
      granted: 'thanks',
      declined: 'noted',
      skip: 'anonymous',
    },
    thanks: { type: 'say', prompt: { ar: 'شكراً، سنسألك بعد مكالماتك.', en: 'Thank you, we will ask you after your calls.' }, next: 'q_general' },
    noted: { type: 'say', prompt: { ar: 'حسناً، لن نرسل لك استبيانات.', en: 'Understood, no surveys.' }, next: 'q_general' },
    anonymous: { type: 'say', prompt: { ar: 'لم نتمكن من العثور على حسابك.', en: 'We could not find your account.' }, next: 'q_general' },
    q_general: { type: 'queue', queue: 'general' },
  },
} satisfies TFlowInput;

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await t.services.rules.addQueue('general', {});
  await t.services.flows.publish('main', flow, { comment: 'survey consent' });
});
afterAll(async () => {
  await t?.shutdown();
  await t?.close();
});

async function customer(language: 'ar' | 'en') {
  n += 1;
  const id = `cust-cn-${n}`;
  const phone = `+9665520${String(n).padStart(5, '0')}`;
  await t.services.customers.upsert({ id, name: 'Noura Test', phones: [phone], language, tier: 'gold' });
  return { id, phone };
}

/** A call from `phone` answered by the flow's menu; `next` is the following gather webhook. */
async function call(phone: string) {
  const params = { CallSid: newCallSid(), From: phone, To: '+966920000000' };
  const first = await postTwilio(t.app, '/webhooks/twilio/voice', params).expect(200);
  expect(first.text).toMatch(/For surveys, press 5\.|وللاستبيانات اضغط 5/);
  let seq = 1;
  const next = async (answer: Record<string, string> = {}) => {
    const res = await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq}`, { ...params, ...answer }).expect(200);
    seq += 1;
    return res.text;
  };
  return { params, next };
}

const consentRows = (customerId?: string) => t.db.prisma.consent.findMany({ where: customerId ? { customerId } : {}, orderBy: { seq: 'asc' } });
const consentTimeline = async (customerId: string) =>
  (await t.db.prisma.interaction.findMany({ where: { customerId, type: 'consent' }, orderBy: { at: 'asc' } })).map((i) => ({ channel: i.channel, summary: i.summary }));
const oneKeyQuestion = (text: string) => new RegExp(`<Gather [^>]*input="dtmf"[^>]*numDigits="1"[^>]*><Say [^>]*>${text.replace(/[.?]/g, '\\$&')}</Say></Gather>`);

describe('asking a caller for consent in the IVR', () => {
  it('records a grant from the IVR with its wording version and timeline entry, and does not ask again on the next call', async () => {
    const c = await customer('en');
    const first = await call(c.phone);
    const asked = await first.next({ Digits: '5' });
    expect(asked).toMatch(oneKeyQuestion(EN_QUESTION));

    const answered = await first.next({ Digits: '1' });
    expect(answered).toContain('Thank you, we will ask you after your calls.');
    expect(answered).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect(await consentRows(c.id)).toMatchObject([{ purpose: 'survey', granted: true, channel: 'ivr', textVersion: 'survey-ivr-2' }]);
    expect(await t.services.consents.allows(c.id, 'survey')).toBe(true);
    expect(await consentTimeline(c.id)).toEqual([{ channel: 'voice', summary: 'Consent to surveys granted (ivr, text survey-ivr-2)' }]);
    const consents = await request(t.app).get(`/api/customers/${c.id}/consents`).set('Authorization', `Bearer ${t.token('admin')}`).expect(200);
    expect(consents.body.consents).toEqual([{ purpose: 'survey', granted: true, at: expect.any(String), channel: 'ivr', textVersion: 'survey-ivr-2' }]);

    const again = await call(c.phone);
    const straight = await again.next({ Digits: '5' });
    expect(straight).not.toContain(EN_QUESTION);
    expect(straight).toContain('Thank you, we will ask you after your calls.');
    expect(straight).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect(await consentRows(c.id)).toHaveLength(1);
  });

  it('asks in Arabic a caller whose language is Arabic, records a decline as withdrawn, and takes that answer as standing', async () => {
    const c = await customer('ar');
    const first = await call(c.phone);
    expect(await first.next({ Digits: '5' })).toMatch(oneKeyQuestion(AR_QUESTION));
    const declined = await first.next({ Digits: '2' });
    expect(declined).toContain('حسناً، لن نرسل لك استبيانات.');
    expect(await consentRows(c.id)).toMatchObject([{ purpose: 'survey', granted: false, channel: 'ivr', textVersion: 'survey-ivr-2' }]);
    expect(await t.services.consents.allows(c.id, 'survey')).toBe(false);
    expect(await consentTimeline(c.id)).toEqual([{ channel: 'voice', summary: 'Consent to surveys withdrawn (ivr, text survey-ivr-2)' }]);

    const again = await call(c.phone);
    const straight = await again.next({ Digits: '5' });
    expect(straight).not.toContain(AR_QUESTION);
    expect(straight).toContain('حسناً، لن نرسل لك استبيانات.');
    expect(await consentRows(c.id)).toHaveLength(1);
  });

  it('honours a consent given elsewhere (the API) without asking', async () => {
    const c = await customer('en');
    await t.services.consents.recordConsent({ customerId: c.id, purpose: 'survey', granted: true, channel: 'web', textVersion: 'web-3', by: 'test' });
    const { next } = await call(c.phone);
    const straight = await next({ Digits: '5' });
    expect(straight).not.toContain(EN_QUESTION);
    expect(straight).toContain('Thank you, we will ask you after your calls.');
    expect(await consentRows(c.id)).toMatchObject([{ channel: 'web', textVersion: 'web-3' }]);
  });

  it('takes the skip branch for an unknown caller, without asking or writing anything', async () => {
    const before = (await consentRows()).length;
    const { next } = await call('+966553334444');
    const skipped = await next({ Digits: '5' });
    expect(skipped).not.toContain(EN_QUESTION);
    expect(skipped).toContain('We could not find your account.');
    expect(skipped).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect(await consentRows()).toHaveLength(before);
  });

  it('re-asks after silence or a wrong key, and records nothing when the caller never answers', async () => {
    const c = await customer('en');
    const { next } = await call(c.phone);
    await next({ Digits: '5' });
    const silence = await next({});
    expect(silence).toContain('We did not hear a choice.');
    expect(silence).toMatch(oneKeyQuestion(EN_QUESTION));
    const wrong = await next({ Digits: '7' });
    expect(wrong).toContain('Understood, no surveys.');
    expect(await consentRows(c.id)).toEqual([]);
    expect(await consentTimeline(c.id)).toEqual([]);

    const again = await call(c.phone);
    expect(await again.next({ Digits: '5' })).toMatch(oneKeyQuestion(EN_QUESTION));
  });
});

describe('publishing a flow with a consent node', () => {
  const put = (definition: unknown) => request(t.app).put('/api/ivr/flows/main').set('Authorization', `Bearer ${t.token('admin')}`).send({ definition });

  it('refuses an unknown purpose with 422 naming the field, publishing nothing', async () => {
    const before = await t.db.prisma.ivrFlow.count();
    const bad = structuredClone(flow) as any;
    bad.nodes.survey_consent.purpose = 'newsletter';
    const res = await put(bad).expect(422);
    expect(res.body.error.details.errors).toContainEqual({ path: 'nodes.survey_consent.purpose', message: expect.any(String) });
    expect(await t.db.prisma.ivrFlow.count()).toBe(before);
  });

  it('refuses branches to missing nodes and the same key for agree and decline', async () => {
    const bad = structuredClone(flow) as any;
    bad.nodes.survey_consent.skip = 'nowhere';
    const res = await put(bad).expect(422);
    expect(res.body.error.details.errors).toContainEqual({ path: 'nodes.survey_consent.skip', message: "unknown node 'nowhere'" });
    const same = structuredClone(flow) as any;
    same.nodes.survey_consent.declineKey = '1';
    const res2 = await put(same).expect(422);
    expect(res2.body.error.details.errors).toContainEqual({ path: 'nodes.survey_consent.declineKey', message: 'declineKey must differ from agreeKey' });
  });
});
