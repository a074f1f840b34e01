import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { slowed } from '../helpers/slowed-db.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0 } });
  twilioApi.requests.length = 0;
});

const agentAuth = () => ({ Authorization: `Bearer ${t.token('agent', 'sara')}` });
const setAvailable = () => request(t.app).put('/api/agents/sara/status').set(agentAuth()).send({ status: 'available' }).expect(200);
const callRow = (sid: string) => t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'twilio', providerCallId: sid } } });

/** An unknown caller picks English, then billing, and is asked for their account number (seq 3 queues them). */
async function toTheBillingMenu() {
  const p = { CallSid: newCallSid(), From: '+966559990001', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  expect((await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '1' })).text).toContain('account number');
  return p;
}
const keyAccount = (p: Record<string, string>) => postTwilio(t.app, '/webhooks/twilio/gather?seq=3', { ...p, Digits: '12345678' });

describe('a call that has ended stays ended', () => {
  it('queues nothing and offers no agent when the last gather arrives after the caller hung up', async () => {
    await setAvailable();
    const p = await toTheBillingMenu();
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '20' }).expect(204);
    // The billing choice arrives late: recorded on the call, but nobody is offered a caller who left.
    const late = await keyAccount(p);
    expect(late.status).toBe(200);
    await t.services.routing.dispatch();
    const call = await callRow(p.CallSid);
    expect(call).toMatchObject({ status: 'completed', endStatus: 'completed', stepSeq: 3 });
    expect(await t.db.prisma.queueEntry.count({ where: { callId: call.id } })).toBe(0);
    expect(await t.db.prisma.reservation.count({ where: { agentId: 'sara', status: 'pending' } })).toBe(0);
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
  });

  it('keeps an end that arrives before the call and applies it: the late start is told to hang up', async () => {
    const p = { CallSid: newCallSid(), From: '0501234567', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '4' }).expect(204);
    const voice = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    expect(voice.status).toBe(200);
    expect(voice.text).toContain('<Hangup/>');
    expect(voice.text).not.toContain('<Enqueue');
    const call = await callRow(p.CallSid);
    expect(call).toMatchObject({ status: 'completed', endStatus: 'completed', durationSeconds: 4, customerId: 'c-noura' });
    expect(await t.db.prisma.queueEntry.count({ where: { callId: call.id } })).toBe(0);
    // One entry on Noura's timeline, saying how the call ended.
    const timeline = await t.services.interactions.page('c-noura', { limit: 50 });
    const entries = timeline.items.filter((i) => i.callId === call.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.summary).toContain('completed after 4s');
  });

  it('fills in a call whose end came first when its slow start is finally written, and the end stands', async () => {
    const p = { CallSid: newCallSid(), From: '0501234567', To: '+966920000000' };
    // A node whose CRM lookup is slow: the end is recorded while that start is still looking the caller up.
    const slowNode = buildApp({
      config: { ...TEST_CONFIG, crmLookupBudgetMs: 5000 },
      db: slowed(t.db.prisma, ['CustomerPhone'], 800),
      logger: pino({ level: 'silent' }),
      now: () => t.clock.now,
      answerBudgetMs: 10_000,
    });
    const started = postTwilio(slowNode.app, '/webhooks/twilio/voice', p).then((r) => r);
    await new Promise((r) => setTimeout(r, 300));
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'no-answer', CallDuration: '0' }).expect(204);
    expect((await started).status).toBe(200);
    await slowNode.shutdown();
    const call = await callRow(p.CallSid);
    // The start's details (the IVR it ran, who called) are on the call; so is its end.
    expect(call).toMatchObject({ customerId: 'c-noura', flowName: 'main', language: 'ar' });
    expect(call.flowVersion).toBeGreaterThan(0);
    expect(await t.db.prisma.callStep.count({ where: { callId: call.id } })).toBe(1);
    expect(call.status).toBe('completed');
    expect(call.endStatus).toBe('no-answer');
    expect(await t.db.prisma.interaction.count({ where: { callId: call.id } })).toBe(1);
  });

  it('bridges nothing when the caller is gone by the time the agent accepts, and frees the agent', async () => {
    await setAvailable();
    const p = await toTheBillingMenu();
    await keyAccount(p).expect(200);
    await t.services.routing.dispatch();
    const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
    expect(offer).toBeDefined();
    // The call's end is on record, but its effect on the queue was lost (a crash in between).
    await t.db.prisma.call.update({ where: { id: (await callRow(p.CallSid)).id }, data: { status: 'completed', endedAt: t.clock.now } });
    const res = await request(t.app).post(`/api/reservations/${offer!.id}/accept`).set(agentAuth());
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/hung up/);
    expect(twilioApi.requests.filter((r) => r.path.includes(`/Calls/${p.CallSid}`))).toHaveLength(0);
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
    expect((await t.db.prisma.reservation.findUniqueOrThrow({ where: { id: offer!.id } })).status).toBe('cancelled');
  });
});

describe('reconciliation', () => {
  it('frees an agent left busy by a call that no longer exists, and ends what ended calls left in line', async () => {
    await setAvailable();
    const p = await toTheBillingMenu();
    await keyAccount(p).expect(200);
    const call = await callRow(p.CallSid);
    // What a lost write leaves: the call over on record, its queue entry still waiting; an agent busy on nothing.
    await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
    await t.db.prisma.queueEntry.update({ where: { callId: call.id }, data: { status: 'waiting' } });
    await t.db.prisma.call.update({ where: { id: call.id }, data: { status: 'completed', endedAt: t.clock.now } });
    await t.db.prisma.agent.update({ where: { id: 'sara' }, data: { state: 'busy', activeCount: 1 } });
    // Every status change is refused while busy...
    await request(t.app).put('/api/agents/sara/status').set(agentAuth()).send({ status: 'available' }).expect(409);

    const result = await t.services.routing.reconcile();
    expect(result.endedCalls).toEqual([call.id]);
    expect(result.freedAgents).toEqual([{ agentId: 'sara', state: 'wrap_up' }]);
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId: call.id } })).toMatchObject({ status: 'done', outcome: 'abandoned' });
    const sara = await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } });
    expect(sara).toMatchObject({ state: 'wrap_up', activeCount: 0 });
    expect(await t.db.prisma.agentStateEvent.count({ where: { agentId: 'sara', source: 'reconcile' } })).toBe(1);
    // ...and once freed, the agent can go back to work.
    await setAvailable();
    // A second pass finds nothing left to fix.
    expect(await t.services.routing.reconcile()).toEqual({ endedCalls: [], freedAgents: [], transfers: [] });
  });
});

describe('a provider mistake is answered as one, not as an outage', () => {
  it('answers a gather for an unknown call with 404 and a step ahead of the call with 409, keeping nothing', async () => {
    const unknown = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { CallSid: newCallSid(), Digits: '1' });
    expect(unknown.status).toBe(404);
    const p = await toTheBillingMenu();
    const ahead = await postTwilio(t.app, '/webhooks/twilio/gather?seq=7', { ...p, Digits: '1' });
    expect(ahead.status).toBe(409);
    expect(ahead.text).not.toContain('<Enqueue');
    expect(t.services.calls.kept.depth()).toBe(0);
    expect((await callRow(p.CallSid)).stepSeq).toBe(2);
  });

  it('answers a status callback whose callbackFor is not one of our call ids with 400', async () => {
    const leg = { CallSid: newCallSid(), CallStatus: 'completed', CallDuration: '5' };
    for (const bad of ['CA%00x', 'not-a-call']) {
      const res = await postTwilio(t.app, `/webhooks/twilio/status?callbackFor=${bad}`, leg);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^callbackFor/);
    }
  });
});
