/**
 * Admins route on the customer's experience score (`customer.experienceScore`): the rule
 * validates, the simulator shows where a caller would go, a live call from a customer whose
 * score has fallen goes there, and the agent's pop shows the score with its parts.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const admin = () => `Bearer ${t.token('admin', 'admin-noura')}`;
const RULES = {
  rules: [{ name: 'falling-experience', when: 'customer.experienceScore < 40.0', queue: 'senior', priority: 80 }],
  default: { queue: 'general', priority: 10 },
};

beforeAll(async () => {
  t = await createTestApp();
  for (const q of ['general', 'senior', 'support']) await t.services.rules.addQueue(q, {});
  await request(t.app).post('/api/routing/rules').set('Authorization', admin()).send({ ...RULES, comment: 'senior agents for unhappy customers' }).expect(201);
});
afterAll(async () => {
  await t.services.routing.stop();
  await t.close();
});

const simulate = (customer: Record<string, unknown>) =>
  request(t.app)
    .post('/api/routing/simulate')
    .set('Authorization', `Bearer ${t.token('supervisor')}`)
    .send({ call: { language: 'ar', queue: 'support' }, customer, ivr: { intent: 'support' } })
    .expect(200);

describe('customer.experienceScore in routing rules', () => {
  it('sends a customer scoring 30 to the senior queue and leaves one scoring 85 in the queue the IVR chose', async () => {
    expect((await simulate({ known: true, experienceScore: 30 })).body).toMatchObject({ rule: 'falling-experience', queue: 'senior', priority: 80 });
    const happy = await simulate({ known: true, experienceScore: 85 });
    expect(happy.body).toMatchObject({ rule: 'default', queue: 'support' });
    expect(happy.body.skipped).toEqual([{ rule: 'falling-experience', reason: 'condition false: customer.experienceScore < 40.0' }]);
  });

  it('treats a caller without a score as neutral (70): no senior queue', async () => {
    expect((await simulate({ known: false })).body).toMatchObject({ rule: 'default', queue: 'support' });
  });

  it('refuses a rule comparing the score with text, naming the rule and field', async () => {
    const bad = { rules: [{ name: 'typo', when: 'customer.experienceScore < "low"', queue: 'senior', priority: 80 }], default: { queue: 'general', priority: 10 } };
    const res = await request(t.app).post('/api/routing/rules/validate').set('Authorization', admin()).send(bad).expect(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ rule: 'typo', field: 'when' })]);
  });

  it('routes a live call from a customer whose score has fallen to the senior queue, and the pop carries the score', async () => {
    await t.services.customers.upsert({ id: 'c-hessa', name: 'Hessa Al-Qahtani', phones: ['+966551230001'], language: 'ar', tier: 'standard' });
    await t.db.prisma.surveyResponse.create({ data: { callId: 'earlier-call', customerId: 'c-hessa', queue: 'support', agentId: 'sara', csat: 1, nps: 2, language: 'ar', answeredAt: new Date(t.clock.now.getTime() - 86_400_000) } });
    t.services.experience.refresh('c-hessa');
    await t.services.experience.idle();
    expect(await t.services.experience.score('c-hessa')).toBe(10);

    await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
    await request(t.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'available' }).expect(200);
    const p = { CallSid: newCallSid(), From: '+966551230001', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    expect(queued.text).toContain('>senior</Enqueue>');

    await t.services.routing.dispatch();
    const pop = await t.db.prisma.agentMessage.findFirstOrThrow({ where: { agentId: 'sara', type: 'screen_pop' } });
    expect((pop.payload as { experience: unknown }).experience).toEqual({ score: 10, csat: 1, nps: 2, fcr: null, openComplaints: 0 });
  });

  it('shows no experience in the pop of an unknown caller', async () => {
    await t.db.prisma.agent.updateMany({ where: { id: 'sara' }, data: { state: 'offline', activeCount: 0 } });
    await request(t.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'available' }).expect(200);
    const p = { CallSid: newCallSid(), From: '+966559990000', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '2' }).expect(200);
    await t.services.routing.dispatch();
    const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
    const pops = await t.db.prisma.agentMessage.findMany({ where: { agentId: 'sara', type: 'screen_pop' } });
    const pop = pops.find((m) => (m.payload as { call: { id: string } }).call.id === call.id);
    expect((pop?.payload as { experience: unknown }).experience).toBeNull();
  });
});
