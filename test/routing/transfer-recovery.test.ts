/**
 * A node that dies in the middle of a transfer (or whose request to Twilio is never answered)
 * leaves the call held as `transferring`. Here node A takes the transfer and its request to
 * Twilio is held unanswered by the stand-in — carried out or not, as each crash point leaves
 * Twilio — so node A never gets further: for everyone else it is dead. Node B, another app on
 * the same database and bus, runs the routing loop's reconciliation. The caller and both
 * agents are followed through what they would notice: who has the caller, who is offered it,
 * who is in wrap-up, what their softphones are told.
 */
import pino from 'pino';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi, type HeldRequest } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let nodeB: App;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const sockets: AgentSocket[] = [];
const held: HeldRequest[] = [];
const NOTE = 'Disputes the roaming charge of 14 May; already verified.';
// Offers outlive the minute a held transfer takes to be settled.
const routingOptions = { offerTimeoutMs: 300_000 };

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions });
  server = await startHttpServer(t);
  // Another node: the same database and bus (Redis in production), its own routing loop.
  nodeB = buildApp({
    config: { ...TEST_CONFIG, twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: twilioApi.url } },
    db: t.db.prisma,
    bus: t.services.bus,
    routingOptions,
    logger: pino({ level: 'silent' }),
    now: () => t.clock.now,
  });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
});
afterAll(async () => {
  for (const s of sockets) await s.close();
  await nodeB.shutdown();
  await t.services.routing.stop();
  await server.close();
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  twilioApi.requests.length = 0;
  twilioApi.failNext(0);
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});
afterEach(() => {
  // Whatever node A was still waiting for is cut off (its answer, if any, is checked by the test).
  for (const h of held.splice(0)) h.drop();
});

const api = () => request(t.app);
const bearer = (sub: string) => `Bearer ${t.token('agent', sub)}`;
const wait = (seconds: number) => {
  t.clock.now = new Date(t.clock.now.getTime() + seconds * 1000);
};
const available = async (id: string) => {
  wait(1);
  await api().put(`/api/agents/${id}/status`).set('Authorization', bearer(id)).send({ status: 'available' }).expect(200);
};
const agent = (id: string) => t.db.prisma.agent.findUniqueOrThrow({ where: { id }, select: { state: true, activeCount: true } });
const entryOf = (callId: string) => t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } });
const pendingOffers = (callId: string) => t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });

async function socketOf(agentId: string) {
  const s = await connectAgent(server.url, t.token('agent', agentId));
  sockets.push(s);
  await s.next((m) => m.type === 'hello');
  return s;
}

/** Omar (or another caller) calls, presses 2 (support), and Sara takes the call: Twilio connects him to her softphone. */
async function callWithSara(from = '+966551112233') {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  await available('sara');
  await t.services.routing.dispatch();
  const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
  await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('sara')).expect(200);
  expect(twilioApi.callState(p.CallSid)).toEqual({ status: 'in-progress', with: 'client:client-sara' });
  twilioApi.requests.length = 0;
  return { params: p, callId: call.id, leg: offer!.id };
}

/**
 * Node A is asked for something that makes it update the caller's call, and Twilio never
 * answers it: `moved` says whether Twilio carried the update out. Resolves once the hold is in
 * place; `answer` is node A's eventual answer, once the held request is cut off.
 */
async function dyingOn(moved: boolean, send: () => request.Test) {
  const h = twilioApi.holdNext({ apply: moved });
  held.push(h);
  const answer = send().then((r) => r);
  await h.arrived;
  return { answer, drop: () => h.drop() };
}

/** Past the deadline after which a held transfer is settled (45 s: longer than Twilio's REST timeout). */
const pastDeadline = () => wait(50);

describe('a node that dies during a cold transfer', () => {
  it('before Twilio was told: the caller stays with the first agent, who is told and may transfer again', async () => {
    const { params, callId } = await callWithSara();
    const sara = await socketOf('sara');
    await available('huda');
    await dyingOn(false, () => api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold', note: NOTE }));
    expect((await entryOf(callId)).status).toBe('transferring');

    // Within the deadline node A may still be waiting for Twilio: nothing is touched.
    wait(40);
    await nodeB.services.routing.reconcile();
    expect((await entryOf(callId)).status).toBe('transferring');

    pastDeadline();
    await nodeB.services.routing.reconcile();
    // Twilio still has Omar talking to Sara: the call is hers again, and nobody else is offered it.
    expect(twilioApi.callState(params.CallSid)).toEqual({ status: 'in-progress', with: 'client:client-sara' });
    expect(await entryOf(callId)).toMatchObject({ status: 'assigned', agentId: 'sara', queue: 'support' });
    expect(await agent('sara')).toEqual({ state: 'busy', activeCount: 1 });
    await t.services.routing.dispatch();
    expect(await pendingOffers(callId)).toEqual([]);
    expect(await t.db.prisma.callEvent.count({ where: { callId, type: 'transfer' } })).toBe(0);
    // Nothing was asked of Twilio but where Omar is: he heard nothing.
    expect(twilioApi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const failed = await sara.next((m) => m.type === 'transfer_failed' && m.callId === callId);
    expect(failed).toMatchObject({ reason: 'connect_failed', to: 'billing' });

    // No transfer is under way any more: Sara tries again and it goes through.
    await api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold', note: NOTE }).expect(201);
    expect(twilioApi.callState(params.CallSid)).toEqual({ status: 'in-progress', with: undefined });
  });

  it('after Twilio moved the caller into the queue: the target is offered him with the note, and the first agent goes to wrap-up', async () => {
    const { params, callId, leg } = await callWithSara();
    const sara = await socketOf('sara');
    const huda = await socketOf('huda');
    await available('huda');
    const nodeA = await dyingOn(true, () => api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold', note: NOTE }));
    // Omar holds in Twilio's billing queue; our line still says the transfer is under way.
    expect(twilioApi.callState(params.CallSid)).toEqual({ status: 'in-progress', with: undefined });
    expect((await entryOf(callId)).status).toBe('transferring');
    // Twilio reports Sara's leg as the redirect ends it: not the call's end, and no survey.
    await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${leg}`, { CallSid: params.CallSid, CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '40' }).expect(200);

    // Twilio's API is down at the first pass after the deadline: nothing is guessed, nothing written.
    pastDeadline();
    twilioApi.failNext();
    await nodeB.services.routing.tick();
    expect((await entryOf(callId)).status).toBe('transferring');
    expect(await agent('sara')).toEqual({ state: 'busy', activeCount: 1 });

    // The next pass of the routing loop (on node B) settles it and offers Omar to Huda.
    wait(15);
    await nodeB.services.routing.tick();
    expect(await entryOf(callId)).toMatchObject({ status: 'offered', queue: 'billing', excludedAgents: ['sara'] });
    const pop = await huda.next((m) => m.type === 'screen_pop' && m.call.id === callId);
    expect(pop.transfer).toEqual({ from: 'sara', note: NOTE, mode: 'cold' });
    expect(pop.customer).toMatchObject({ id: 'c-omar', name: 'Omar Haddad', known: true });
    expect(await agent('sara')).toEqual({ state: 'wrap_up', activeCount: 0 });
    await sara.next((m) => m.type === 'presence' && m.state === 'wrap_up');
    const event = await t.db.prisma.callEvent.findFirstOrThrow({ where: { callId, type: 'transfer' } });
    expect(event.data).toEqual({ from: 'sara', by: 'sara', mode: 'cold', queue: 'billing', note: NOTE });
    // Omar was not sent anywhere again: Twilio was only asked where he is.
    expect(twilioApi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    // Huda takes him from the queue, as any caller.
    await api().post(`/api/reservations/${pop.reservation.id}/accept`).set('Authorization', bearer('huda')).expect(200);
    expect(twilioApi.callState(params.CallSid)).toEqual({ status: 'in-progress', with: 'client:client-huda' });
    expect(await agent('huda')).toEqual({ state: 'busy', activeCount: 1 });

    // Were node A only slow, its late failure changes nothing.
    nodeA.drop();
    expect((await nodeA.answer).status).toBe(503);
    expect(await entryOf(callId)).toMatchObject({ status: 'assigned', agentId: 'huda' });
  });

  it('when Twilio moved the caller but its answer was lost, the agent hears it is not confirmed and the caller is not stranded', async () => {
    const { params, callId } = await callWithSara();
    await available('huda');
    const nodeA = await dyingOn(true, () => api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold' }));
    nodeA.drop();
    const res = await nodeA.answer;
    // Omar is in Twilio's queue: the call must not be handed back to Sara, who no longer has him.
    expect(twilioApi.callState(params.CallSid).with).toBeUndefined();
    expect((await entryOf(callId)).status).toBe('transferring');
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/did not confirm/);

    pastDeadline();
    await nodeB.services.routing.reconcile();
    await nodeB.services.routing.dispatch();
    expect((await pendingOffers(callId)).map((o) => o.agentId)).toEqual(['huda']);
    expect(await agent('sara')).toMatchObject({ state: 'wrap_up' });
  });
});

describe('a node that dies during a warm hand-over', () => {
  /** Sara asks for a warm transfer to Huda, who accepts on node A; node A dies updating Omar's call. */
  async function warmAcceptedThenDying(moved: boolean) {
    const call = await callWithSara();
    const sara = await socketOf('sara');
    await available('huda');
    await api().post(`/api/calls/${call.callId}/transfer`).set('Authorization', bearer('sara')).send({ agentId: 'huda', mode: 'warm', note: NOTE }).expect(202);
    const [offer] = await pendingOffers(call.callId);
    const nodeA = await dyingOn(moved, () => api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('huda')));
    expect((await entryOf(call.callId)).status).toBe('transferring');
    return { ...call, sara, offer: offer!, nodeA };
  }

  it('after the target accepted, before Twilio was told: the first agent keeps the caller and is told; the target is free', async () => {
    const { params, callId, sara, offer } = await warmAcceptedThenDying(false);
    expect(await agent('huda')).toEqual({ state: 'busy', activeCount: 1 });
    const huda = await socketOf('huda');
    await huda.next((m) => m.type === 'hello');
    const mark = huda.received.length;

    pastDeadline();
    await nodeB.services.routing.reconcile();
    // Huda's softphone last heard she was busy with the hand-over: it is told she is free.
    const told = () => huda.received.slice(mark).filter((m) => m.type === 'presence').at(-1);
    await expect.poll(told).toMatchObject({ state: 'available' });
    expect(twilioApi.callState(params.CallSid).with).toBe('client:client-sara');
    expect(await entryOf(callId)).toMatchObject({ status: 'assigned', agentId: 'sara' });
    expect(await agent('sara')).toEqual({ state: 'busy', activeCount: 1 });
    expect(await agent('huda')).toEqual({ state: 'available', activeCount: 0 });
    expect(await t.db.prisma.reservation.findUniqueOrThrow({ where: { id: offer.id } })).toMatchObject({ status: 'failed' });
    const failed = await sara.next((m) => m.type === 'transfer_failed' && m.callId === callId);
    expect(failed).toMatchObject({ reason: 'connect_failed', to: 'huda' });
    expect(await t.db.prisma.callEvent.count({ where: { callId, type: 'transfer' } })).toBe(0);
  });

  it('after Twilio moved the caller to the target: the target stays busy meanwhile, then the call is theirs and the first agent in wrap-up', async () => {
    const { params, callId, leg, sara, offer } = await warmAcceptedThenDying(true);
    expect(twilioApi.callState(params.CallSid).with).toBe('client:client-huda');

    // Reconciliation before the deadline: Huda is talking to Omar, she is not a stranded agent.
    wait(20);
    await nodeB.services.routing.reconcile();
    expect(await agent('huda')).toEqual({ state: 'busy', activeCount: 1 });
    expect((await entryOf(callId)).status).toBe('transferring');

    pastDeadline();
    await nodeB.services.routing.reconcile();
    expect(await entryOf(callId)).toMatchObject({ status: 'assigned', agentId: 'huda' });
    expect(await agent('huda')).toEqual({ state: 'busy', activeCount: 1 });
    expect(await agent('sara')).toEqual({ state: 'wrap_up', activeCount: 0 });
    await sara.next((m) => m.type === 'presence' && m.state === 'wrap_up');
    const event = await t.db.prisma.callEvent.findFirstOrThrow({ where: { callId, type: 'transfer' } });
    expect(event.data).toEqual({ from: 'sara', by: 'sara', mode: 'warm', agentId: 'huda', note: NOTE });

    // Sara's old leg is not the call's; Huda's leg ending is the call's end for her.
    await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${leg}`, { CallSid: params.CallSid, CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '50' }).expect(200);
    expect(await agent('huda')).toEqual({ state: 'busy', activeCount: 1 });
    await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${offer.id}`, { CallSid: params.CallSid, CallStatus: 'completed', DialCallStatus: 'completed', DialCallDuration: '80' }).expect(200);
    expect(await agent('huda')).toMatchObject({ state: 'wrap_up' });
  });
});

describe('a call that ends while its transfer is held', () => {
  it('is closed when Twilio says it ended though its end never reached us: both agents are released', async () => {
    const { params, callId } = await warmHeldAndMoved();
    twilioApi.hangUp(params.CallSid);
    pastDeadline();
    await nodeB.services.routing.reconcile();
    expect(await entryOf(callId)).toMatchObject({ status: 'done' });
    expect(await agent('sara')).toMatchObject({ state: 'wrap_up', activeCount: 0 });
    expect(await agent('huda')).toMatchObject({ state: 'wrap_up', activeCount: 0 });
  });

  it('does not leave a warm target busy when the caller hangs up during the hand-over', async () => {
    const { params, callId } = await warmHeldAndMoved();
    // Omar hangs up; Twilio's status callback arrives at once (no reconciliation runs).
    twilioApi.hangUp(params.CallSid);
    await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '70' }).expect(204);
    expect(await entryOf(callId)).toMatchObject({ status: 'done' });
    expect(await agent('sara')).toMatchObject({ state: 'wrap_up', activeCount: 0 });
    expect(await agent('huda')).toMatchObject({ state: 'wrap_up', activeCount: 0 });
  });

  /** A warm hand-over to Huda that Twilio carried out and node A never recorded. */
  async function warmHeldAndMoved() {
    const call = await callWithSara();
    await available('huda');
    await api().post(`/api/calls/${call.callId}/transfer`).set('Authorization', bearer('sara')).send({ agentId: 'huda', mode: 'warm' }).expect(202);
    const [offer] = await pendingOffers(call.callId);
    await dyingOn(true, () => api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('huda')));
    return call;
  }
});

describe('two nodes settling the same held transfer at once', () => {
  it('settle it once: one transfer on record, one wrap-up, one offer', async () => {
    const { callId } = await callWithSara();
    await available('huda');
    await dyingOn(true, () => api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold', note: NOTE }));
    pastDeadline();
    const since = t.clock.now;
    const [a, b] = await Promise.all([t.services.routing.reconcile(), nodeB.services.routing.reconcile()]);
    await Promise.all([t.services.routing.dispatch(), nodeB.services.routing.dispatch()]);
    expect(await t.db.prisma.callEvent.count({ where: { callId, type: 'transfer' } })).toBe(1);
    expect(await t.db.prisma.agentStateEvent.count({ where: { agentId: 'sara', state: 'wrap_up', at: { gte: since } } })).toBe(1);
    expect((await pendingOffers(callId)).map((o) => o.agentId)).toEqual(['huda']);
    // The later node finds it settled, or does not find it held at all.
    expect([...a.transfers, ...b.transfers].filter((s) => s.callId === callId && s.settled === 'moved')).toHaveLength(1);
  });
});

describe('an erasure while a transfer is held', () => {
  it('strips the note and leaves the transfer for reconciliation to settle', async () => {
    await t.services.customers.upsert({ id: 'c-gone', name: 'Ghada Gone', phones: ['+966551119999'], language: 'en', tier: 'standard' });
    const { callId } = await callWithSara('+966551119999');
    const huda = await socketOf('huda');
    await available('huda');
    await dyingOn(true, () => api().post(`/api/calls/${callId}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold', note: 'Ghada asked about her divorce settlement' }));
    await api().delete('/api/customers/c-gone').set('Authorization', `Bearer ${t.token('admin', 'admin-noura')}`).expect(200);
    expect(JSON.stringify((await entryOf(callId)).context)).not.toMatch(/divorce/);

    pastDeadline();
    await nodeB.services.routing.tick();
    const pop = await huda.next((m) => m.type === 'screen_pop' && m.call.id === callId);
    expect(pop.transfer).toEqual({ from: 'sara', note: null, mode: 'cold' });
    expect(pop.customer).toMatchObject({ known: false });
    expect(await agent('sara')).toMatchObject({ state: 'wrap_up' });
    expect((await t.db.prisma.callEvent.findFirstOrThrow({ where: { callId, type: 'transfer' } })).data).toEqual({ from: 'sara', by: 'sara', mode: 'cold', queue: 'billing' });
  });
});
