/**
 * The post-call survey through Twilio's signed webhooks: the agent hangs up, the caller
 * stays for CSAT and NPS in their language (keypad, English speech, Gulf-Arabic speech),
 * the answers reach the survey table and the timeline, and a detractor opens a follow-up
 * for the supervisor. No consent, or a queue that asks for none: a plain hang-up.
 */
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { surveyFlowDefinition } from '../../src/ivr/survey-flow.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const alerts: unknown[] = [];
const BASE = 'https://cc.example.test';

const CUSTOMERS = {
  layla: { id: 'c-layla', name: 'Layla Al-Harbi', phones: ['+966551110001'], language: 'ar' as const, consent: true },
  john: { id: 'c-john', name: 'John Carter', phones: ['+966551110002'], language: 'en' as const, consent: true },
  mona: { id: 'c-mona', name: 'Mona Saleh', phones: ['+966551110003'], language: 'en' as const, consent: true },
  omar: { id: 'c-omar', name: 'Omar Haddad', phones: ['+966551110004'], language: 'ar' as const, consent: false },
};

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  await t.services.flows.publish('survey', surveyFlowDefinition, { comment: 'test' });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  for (const c of Object.values(CUSTOMERS)) {
    await t.services.customers.upsert({ id: c.id, name: c.name, phones: c.phones, language: c.language, tier: 'standard' });
    if (c.consent) await t.services.consents.recordConsent({ customerId: c.id, purpose: 'survey', granted: true, channel: 'ivr', textVersion: 'v1', by: 'test' });
  }
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 3, sales: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await request(t.app).put('/api/queues/support/survey').set('Authorization', `Bearer ${t.token('admin', 'admin-noura')}`).send({ enabled: true }).expect(200);
  t.services.bus.subscribe('supervisor.alert', (m) => alerts.push(m));
});
afterAll(async () => {
  await t.services.routing.stop();
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  twilioApi.requests.length = 0;
  alerts.length = 0;
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

/** A customer calls, picks a queue in the main menu (2 support, 3 sales) and Sara takes the call. */
async function connectedCall(customer: { phones: string[] }, digit = '2', before: string[] = []) {
  const p = { CallSid: newCallSid(), From: customer.phones[0]!, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  const keys = [...before, digit];
  for (const [i, key] of keys.entries()) await postTwilio(t.app, `/webhooks/twilio/gather?seq=${i + 1}`, { ...p, Digits: key }).expect(200);
  t.clock.now = new Date(t.clock.now.getTime() + 1000);
  await request(t.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'available' }).expect(200);
  await t.services.routing.dispatch();
  const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
  await request(t.app).post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  return { p, callId: call.id };
}

/** Twilio's <Dial action> request once Sara hangs up (the caller still on the line). */
const agentHangsUp = (p: { CallSid: string }, extra: Record<string, string> = {}) =>
  postTwilio(t.app, '/webhooks/twilio/agent-leg-ended', { CallSid: p.CallSid, CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '95', ...extra });

const answer = (p: { CallSid: string }, seq: number, input: Record<string, string>) => postTwilio(t.app, `/webhooks/twilio/survey?seq=${seq}`, { CallSid: p.CallSid, ...input });

async function timeline(customerId: string) {
  const res = await request(t.app).get(`/api/customers/${customerId}/timeline`).set('Authorization', `Bearer ${t.token('admin')}`).expect(200);
  return res.body.items as Array<{ type: string; status: string | null; summary: string; channel: string; callId?: string }>;
}

describe('the post-call survey', () => {
  it('dials the agent with an action URL, so Twilio asks us what next when the agent leg ends', async () => {
    const { p } = await connectedCall(CUSTOMERS.john);
    const dial = twilioApi.requests.find((r) => r.path.endsWith(`/Calls/${p.CallSid}.json`));
    // The action URL names the agent's leg: a transfer's redirect fires it too, and must not end the call.
    expect(dial?.form.Twiml).toMatch(new RegExp(`<Dial answerOnBridge="true" action="${BASE.replace(/\./g, '\\.')}/webhooks/twilio/agent-leg-ended\\?leg=[0-9a-f-]{36}" method="POST"><Client><Identity>client-sara</Identity><Parameter name="reservationId" value="[0-9a-f-]{36}"/></Client></Dial>`));
  });

  it('asks an Arabic caller in Arabic; Gulf speech and the keypad answer; a detractor opens a follow-up and alerts supervisors', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.layla);
    const first = await agentHangsUp(p).expect(200);
    expect(first.text).toContain(`<Gather action="${BASE}/webhooks/twilio/survey?seq=1"`);
    expect(first.text).toContain('language="ar-SA"');
    expect(first.text).toContain('سؤالين قصيرين');
    expect(first.text).toContain('من واحد إلى خمسة');
    // The agent's part ended with her leg: wrap-up starts now, not after the survey.
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('wrap_up');

    const second = await answer(p, 1, { SpeechResult: 'ثنين', Confidence: '0.82' }).expect(200);
    expect(second.text).toContain(`<Gather action="${BASE}/webhooks/twilio/survey?seq=2"`);
    expect(second.text).toContain('numDigits="2"');
    expect(second.text).toContain('من صفر إلى عشرة');
    expect(await t.db.prisma.surveyResponse.findUniqueOrThrow({ where: { callId } })).toMatchObject({ csat: 2, nps: null });

    const last = await answer(p, 2, { Digits: '3' }).expect(200);
    expect(last.text).toContain('شكراً لك، مع السلامة.');
    expect(last.text).toContain('<Hangup/>');

    const row = await t.db.prisma.surveyResponse.findUniqueOrThrow({ where: { callId } });
    expect(row).toMatchObject({ customerId: 'c-layla', queue: 'support', agentId: 'sara', csat: 2, nps: 3, language: 'ar' });
    const items = await timeline('c-layla');
    expect(items.filter((i) => i.type === 'survey')).toEqual([
      expect.objectContaining({ channel: 'voice', summary: 'Post-call survey: CSAT 2/5, NPS 3/10', callId }),
    ]);
    expect(items.filter((i) => i.type === 'follow_up')).toEqual([
      expect.objectContaining({ channel: 'voice', status: 'open', summary: 'Follow up: unhappy after a call in support (CSAT 2/5, NPS 3/10)', callId }),
    ]);
    const followUp = await t.db.prisma.interaction.findUniqueOrThrow({ where: { idempotencyKey: `survey-follow-up:${callId}` } });
    // One alert, when the follow-up opened (at CSAT 2): ids and scores, no name or number.
    expect(alerts).toEqual([
      { type: 'survey_follow_up', at: expect.any(String), customerId: 'c-layla', callId, followUpId: followUp.id, queue: 'support', agentId: 'sara', csat: 2, nps: null, reason: 'Post-call survey: CSAT 2/5, NPS not answered' },
    ]);
    expect(JSON.stringify(alerts)).not.toMatch(/Layla|\+9665/);

    await t.services.experience.idle();
    const experience = await t.db.prisma.customerExperience.findUniqueOrThrow({ where: { customerId: 'c-layla' } });
    // The survey part: CSAT 2 is 25, NPS 3 is 30 -> 27.5.
    // With first-contact resolution 100 (one call, no repeat): (27.5 x 0.5 + 100 x 0.2) / 0.7.
    expect(experience).toMatchObject({ score: 48, csat: 2, nps: 3, fcr: 1, surveys: 1, surveyPart: 27.5, fcrPart: 100 });
  });

  it('asks an English caller in English and understands spoken English numbers; a promoter opens no follow-up', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.john);
    const first = await agentHangsUp(p).expect(200);
    expect(first.text).toContain('language="en-US"');
    expect(first.text).toContain('how satisfied are you');
    await answer(p, 1, { SpeechResult: 'Five.' }).expect(200);
    const last = await answer(p, 2, { SpeechResult: 'ten out of ten' }).expect(200);
    expect(last.text).toContain('Thank you. Goodbye.');
    expect(await t.db.prisma.surveyResponse.findUniqueOrThrow({ where: { callId } })).toMatchObject({ csat: 5, nps: 10, language: 'en' });
    const items = await timeline('c-john');
    expect(items.find((i) => i.type === 'survey')?.summary).toBe('Post-call survey: CSAT 5/5, NPS 10/10');
    expect(items.some((i) => i.type === 'follow_up')).toBe(false);
    expect(alerts).toEqual([]);
  });

  it('takes keypad answers (NPS 10 on two keys) and asks again for a key outside the scale', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.mona);
    await agentHangsUp(p).expect(200);
    const again = await answer(p, 1, { Digits: '8' }).expect(200);
    expect(again.text).toContain('Sorry, please choose a number from one to five.');
    expect(again.text).toContain('survey?seq=2');
    expect(await t.db.prisma.surveyResponse.count({ where: { callId } })).toBe(0);
    await answer(p, 2, { Digits: '4' }).expect(200);
    await answer(p, 3, { Digits: '10' }).expect(200);
    expect(await t.db.prisma.surveyResponse.findUniqueOrThrow({ where: { callId } })).toMatchObject({ csat: 4, nps: 10 });
  });

  it('answers a retried survey webhook the same way and records the answer once', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.mona);
    const first = await agentHangsUp(p).expect(200);
    expect((await agentHangsUp(p).expect(200)).text).toBe(first.text);
    const once = await answer(p, 1, { Digits: '1' }).expect(200);
    const twice = await answer(p, 1, { Digits: '1' }).expect(200);
    expect(twice.text).toBe(once.text);
    expect(await t.db.prisma.surveyResponse.count({ where: { callId } })).toBe(1);
    expect(await t.db.prisma.interaction.count({ where: { callId, type: { in: ['survey', 'follow_up'] } } })).toBe(2);
    expect(alerts).toHaveLength(1);
    // A step ahead of the survey is the provider's mistake, not something to guess at.
    await answer(p, 5, { Digits: '1' }).expect(409);
  });

  it('hangs up on a caller whose consent register does not allow surveys', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.omar);
    const res = await agentHangsUp(p).expect(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    expect(await t.db.prisma.surveySession.count({ where: { callId } })).toBe(0);
  });

  it('hangs up on a caller whose survey consent was withdrawn', async () => {
    await t.services.consents.recordConsent({ customerId: 'c-mona', purpose: 'survey', granted: false, channel: 'api', textVersion: 'v1', by: 'test' });
    const { p } = await connectedCall(CUSTOMERS.mona);
    expect((await agentHangsUp(p).expect(200)).text).toContain('<Response><Hangup/></Response>');
    await t.services.consents.recordConsent({ customerId: 'c-mona', purpose: 'survey', granted: true, channel: 'api', textVersion: 'v1', by: 'test' });
  });

  it('hangs up on an unknown caller (no consent register, no survey)', async () => {
    // Not known: the language menu first (2, English), then support.
    const { p, callId } = await connectedCall({ phones: ['+966559998877'] }, '2', ['2']);
    expect((await agentHangsUp(p).expect(200)).text).toContain('<Response><Hangup/></Response>');
    expect(await t.db.prisma.surveySession.count({ where: { callId } })).toBe(0);
  });

  it('hangs up after a call in a queue that asks for no survey', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.john, '3');
    expect((await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).queue).toBe('sales');
    expect((await agentHangsUp(p).expect(200)).text).toContain('<Response><Hangup/></Response>');
    expect(await t.db.prisma.surveySession.count({ where: { callId } })).toBe(0);
  });

  it('surveys nobody when the caller hung up first or the agent never answered', async () => {
    const gone = await connectedCall(CUSTOMERS.john);
    expect((await agentHangsUp(gone.p, { CallStatus: 'completed' }).expect(200)).text).toContain('<Hangup/>');
    const missed = await connectedCall(CUSTOMERS.john);
    expect((await agentHangsUp(missed.p, { DialCallStatus: 'no-answer' }).expect(200)).text).toContain('<Hangup/>');
    expect(await t.db.prisma.surveySession.count({ where: { callId: { in: [gone.callId, missed.callId] } } })).toBe(0);
  });

  it('refuses unsigned survey webhooks and changes nothing', async () => {
    const { p, callId } = await connectedCall(CUSTOMERS.john);
    await postTwilio(t.app, '/webhooks/twilio/agent-leg-ended', { CallSid: p.CallSid, DialCallStatus: 'completed' }, { signature: null }).expect(403);
    await postTwilio(t.app, '/webhooks/twilio/agent-leg-ended', { CallSid: p.CallSid, DialCallStatus: 'completed' }, { signature: 'bm90IGl0' }).expect(403);
    expect(await t.db.prisma.surveySession.count({ where: { callId } })).toBe(0);
    await agentHangsUp(p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/survey?seq=1', { CallSid: p.CallSid, Digits: '1' }, { signature: null }).expect(403);
    expect(await t.db.prisma.surveyResponse.count({ where: { callId } })).toBe(0);
  });

  it('names the field of a malformed survey webhook in a 400', async () => {
    const { p } = await connectedCall(CUSTOMERS.john);
    await agentHangsUp(p).expect(200);
    const bad = await answer(p, 1, { Digits: '1\u0000' }).expect(400);
    expect(bad.body.error.message).toMatch(/^Digits: /);
    const noSeq = await postTwilio(t.app, '/webhooks/twilio/survey', { CallSid: p.CallSid, Digits: '1' }).expect(400);
    expect(noSeq.body.error.message).toMatch(/^seq: /);
    const badStatus = await agentHangsUp(p, { DialCallStatus: 'exploded' }).expect(400);
    expect(badStatus.body.error.message).toMatch(/^DialCallStatus: /);
  });
});

describe('PUT /api/queues/:name/survey', () => {
  const admin = () => `Bearer ${t.token('admin', 'admin-noura')}`;
  it('turns a queue survey on and off; supervisors read it, agents may not', async () => {
    const on = await request(t.app).put('/api/queues/billing/survey').set('Authorization', admin()).send({ enabled: true }).expect(200);
    expect(on.body).toEqual({ queue: 'billing', enabled: true, updatedBy: 'admin-noura', updatedAt: t.clock.now.toISOString() });
    await request(t.app).put('/api/queues/billing/survey').set('Authorization', admin()).send({ enabled: false }).expect(200);
    const read = await request(t.app).get('/api/queues/billing/survey').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200);
    expect(read.body.enabled).toBe(false);
    await request(t.app).get('/api/queues/sales/survey').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200, { queue: 'sales', enabled: false, updatedBy: null, updatedAt: null });
    await request(t.app).put('/api/queues/billing/survey').set('Authorization', `Bearer ${t.token('agent')}`).send({ enabled: true }).expect(403);
    await request(t.app).put('/api/queues/billing/survey').send({ enabled: true }).expect(401);
  });

  it('refuses an unknown queue (404) and a body without a boolean (400 naming the field)', async () => {
    await request(t.app).put('/api/queues/nosuch/survey').set('Authorization', admin()).send({ enabled: true }).expect(404);
    const bad = await request(t.app).put('/api/queues/billing/survey').set('Authorization', admin()).send({ enabled: 'yes' }).expect(400);
    expect(bad.body.error.message).toMatch(/^enabled: /);
    const name = await request(t.app).put('/api/queues/Bad%20Name/survey').set('Authorization', admin()).send({ enabled: true }).expect(400);
    expect(name.body.error.message).toMatch(/^name: /);
  });
});
