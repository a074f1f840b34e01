import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';
import request from 'supertest';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 2 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: { support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  // Each test starts with an empty line and everyone signed out.
  twilioApi.requests.length = 0;
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

const api = () => request(t.app);
/** Signs the agent in; each one a second after the last, so "longest idle" is well defined. */
const available = async (id: string) => {
  t.clock.now = new Date(t.clock.now.getTime() + 1000);
  return api().put(`/api/agents/${id}/status`).set('Authorization', `Bearer ${t.token('agent', id)}`).send({ status: 'available' }).expect(200);
};

/** A caller who presses 2 (support) and waits in the queue; returns the call's ids. */
async function supportCall() {
  const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p);
  const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
  expect(queued.text).toMatch(/<Enqueue waitUrl="https:\/\/cc\.example\.test\/webhooks\/twilio\/queue-wait" method="POST">support<\/Enqueue>/);
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  return { params: p, callId: call.id };
}

async function pendingOf(agentId: string) {
  await t.services.routing.dispatch();
  return t.db.prisma.reservation.findMany({ where: { agentId, status: 'pending' } });
}

describe('a queued call reaching an agent', () => {
  it('offers the call to the longest-idle agent and bridges it to their softphone on accept', async () => {
    await available('huda');
    await available('sara');
    const { callId, params } = await supportCall();
    const [offer] = await pendingOf('huda');
    expect(offer).toBeDefined();
    expect(await pendingOf('sara')).toHaveLength(0);

    const res = await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'huda')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'accepted', callId, queue: 'support' });
    expect(twilioApi.requests).toHaveLength(1);
    const [sent] = twilioApi.requests;
    expect(sent).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT}/Calls/${params.CallSid}.json`, user: ACCOUNT });
    // The action URL: once the agent's leg ends Twilio asks us what next (the post-call survey).
    // It names the agent's leg (the reservation), so a transfer's redirect is not taken for the call's end.
    // The reservation also rides to her softphone (a <Parameter>, the SDK's customParameters): the page answers the call it accepted.
    expect(sent!.form.Twiml).toContain(
      `<Dial answerOnBridge="true" action="https://cc.example.test/webhooks/twilio/agent-leg-ended?leg=${offer!.id}" method="POST"><Client><Identity>client-huda</Identity><Parameter name="reservationId" value="${offer!.id}"/></Client></Dial>`,
    );
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'huda' } })).state).toBe('busy');
    expect((await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).outcome).toBe('assigned');
  });

  it('re-offers a rejected call to the next agent and never back to the one who said no', async () => {
    await available('sara');
    await available('huda');
    const { callId } = await supportCall();
    const [first] = await pendingOf('sara');
    await api().post(`/api/reservations/${first!.id}/reject`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
    const [second] = await pendingOf('huda');
    expect(second).toBeDefined();
    expect(await pendingOf('sara')).toHaveLength(0);
    const entry = await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } });
    expect(entry.excludedAgents).toEqual(['sara']);
  });

  it('refuses an accept by another agent, a second accept, and an accept of a cancelled offer', async () => {
    await available('sara');
    const { params } = await supportCall();
    const [offer] = await pendingOf('sara');
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'huda')}`).expect(403);
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(409);
    await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '60' }).expect(204);
    const sara = await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } });
    expect(sara.state).toBe('wrap_up');
    expect(sara.activeCount).toBe(0);
  });

  it('cancels the offer and frees the agent when the caller hangs up while waiting', async () => {
    await available('sara');
    const { params, callId } = await supportCall();
    const [offer] = await pendingOf('sara');
    await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '20' }).expect(204);
    expect((await t.db.prisma.reservation.findUniqueOrThrow({ where: { id: offer!.id } })).status).toBe('cancelled');
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
    expect((await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).outcome).toBe('abandoned');
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(409);
  });

  it('sets an agent away after two offers time out, and gives the call to someone else', async () => {
    await available('sara');
    const { callId } = await supportCall();
    const expire = async () => {
      await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { expiresAt: new Date(0) } });
      await t.services.routing.tick();
    };
    expect(await pendingOf('sara')).toHaveLength(1);
    await expire();
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
    // The same caller is not re-offered to her; a second call is, and she misses it too.
    t.clock.now = new Date(t.clock.now.getTime() + 1000);
    const second = await supportCall();
    expect(await pendingOf('sara')).toHaveLength(1);
    await expire();
    const sara = await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } });
    expect(sara).toMatchObject({ state: 'away', stateReason: 'missed offers' });
    await available('huda');
    await t.services.routing.dispatch();
    // First in, first offered: the older call goes to Huda.
    const offered = await t.db.prisma.reservation.findMany({ where: { agentId: 'huda', status: 'pending' }, include: { entry: true } });
    expect(offered.map((r) => r.entry.callId)).toEqual([callId]);
    expect(second.callId).not.toBe(callId);
  });

  it('keeps the call in line when the bridge to the agent fails', async () => {
    await available('sara');
    const { callId } = await supportCall();
    const [offer] = await pendingOf('sara');
    twilioApi.failNext();
    const res = await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`);
    expect(res.status).toBe(503);
    const entry = await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } });
    expect(entry).toMatchObject({ status: 'waiting', outcome: null });
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
  });

  it('gives a returning caller the agent who took their last call when a rule prefers it, and the longest-idle agent otherwise', async () => {
    // Omar's last call went to Sara.
    await available('sara');
    const first = await supportCall();
    const [offer] = await pendingOf('sara');
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
    await t.db.prisma.queueEntry.updateMany({ where: { callId: first.callId }, data: { status: 'done' } });
    await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0 } });

    const loyal = { name: 'loyal', when: 'customer.known', queue: 'support', skills: { support: 1 }, preferLastAgent: { withinHours: 24 } };
    const { preferLastAgent: _, ...plain } = loyal;
    try {
      await t.services.rules.publish({ rules: [loyal], default: { queue: 'general' } }, { by: 'admin' });
      await available('huda'); // idle longest
      await available('sara');
      await supportCall();
      expect(await pendingOf('sara')).toHaveLength(1);
      expect(await pendingOf('huda')).toHaveLength(0);

      await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
      await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
      await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0 } });
      await t.services.rules.publish({ rules: [plain], default: { queue: 'general' } }, { by: 'admin' });
      await available('huda');
      await available('sara');
      await supportCall();
      expect(await pendingOf('huda')).toHaveLength(1);
      expect(await pendingOf('sara')).toHaveLength(0);
    } finally {
      await t.services.rules.publish({ rules: [], default: { queue: 'general' } }, { by: 'admin' });
    }
  });
});
