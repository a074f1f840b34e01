/**
 * `POST /api/calls/:id/transfer` through the real app: Twilio's REST API is a local stand-in
 * that records exactly what the twilio client sent, and the agents' softphones are real ws
 * clients. The pop and the note follow the call; a transfer never ends the call or starts the
 * post-call survey; a refusal writes nothing.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const sockets: AgentSocket[] = [];
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const BASE = 'https://cc.example.test';
const NOTE = 'Wants the June invoice split in two; already verified, do not ask again.';
/** Every line the app logs (debug and up): the note is personal data and must never be in one. */
const logLines: string[] = [];
const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }));

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 }, logger });
  server = await startHttpServer(t);
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
  await t.services.agents.upsert('amal', { name: 'Amal', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-amal' });
});
afterAll(async () => {
  for (const s of sockets) await s.close();
  await t.services.routing.stop();
  await server.close();
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  twilioApi.requests.length = 0;
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

const api = () => request(t.app);
const bearer = (role: 'agent' | 'supervisor' | 'admin', sub: string) => `Bearer ${t.token(role, sub)}`;
const wait = (seconds: number) => {
  t.clock.now = new Date(t.clock.now.getTime() + seconds * 1000);
};
const available = async (id: string) => {
  wait(1);
  await api().put(`/api/agents/${id}/status`).set('Authorization', bearer('agent', id)).send({ status: 'available' }).expect(200);
};
const transfer = (callId: string, body: unknown, who = bearer('agent', 'sara')) => api().post(`/api/calls/${callId}/transfer`).set('Authorization', who).send(body as object);
const stateOf = async (id: string) => (await t.db.prisma.agent.findUniqueOrThrow({ where: { id } })).state;

async function socketOf(agentId: string) {
  const s = await connectAgent(server.url, t.token('agent', agentId));
  sockets.push(s);
  await s.next((m) => m.type === 'hello');
  return s;
}

/** Omar calls, presses 2 (support), and Sara takes the call: the call's ids and Sara's leg. */
async function callWithSara() {
  const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  await available('sara');
  await t.services.routing.dispatch();
  const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
  wait(5);
  await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('agent', 'sara')).expect(200);
  twilioApi.requests.length = 0;
  return { params: p, callId: call.id, leg: offer!.id };
}

/** Everything a transfer could write, to prove a refusal wrote none of it. */
async function snapshot(callId: string) {
  const [entry, agents, events, reservations] = await Promise.all([
    t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } }),
    t.db.prisma.agent.findMany({ orderBy: { id: 'asc' }, select: { id: true, state: true, activeCount: true } }),
    t.db.prisma.callEvent.findMany({ where: { callId }, orderBy: { key: 'asc' }, select: { key: true, type: true } }),
    t.db.prisma.reservation.count(),
  ]);
  return { entry, agents, events, reservations, twilio: twilioApi.requests.length };
}

describe('a cold transfer to a queue', () => {
  it('moves the caller into the queue at once, sends the next agent the full pop with the note, and puts the first agent in wrap-up', async () => {
    const { params, callId, leg } = await callWithSara();
    const huda = await socketOf('huda');
    wait(30);
    const res = await transfer(callId, { queue: 'billing', mode: 'cold', note: NOTE });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ callId, mode: 'cold', from: 'sara', to: { queue: 'billing' }, status: 'queued', at: t.clock.now.toISOString() });

    // Exactly one REST request: the caller's call now says a line and waits in the billing queue like anyone.
    expect(twilioApi.requests).toHaveLength(1);
    const [sent] = twilioApi.requests;
    expect(sent).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT}/Calls/${params.CallSid}.json`, user: ACCOUNT });
    expect(sent!.form.Twiml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response><Say [^>]*>We are transferring your call now\.[^<]*<\/Say>/);
    expect(sent!.form.Twiml).toContain(`<Enqueue waitUrl="${BASE}/webhooks/twilio/queue-wait" method="POST">billing</Enqueue></Response>`);
    expect(sent!.form.Twiml).not.toContain(NOTE);

    expect(await stateOf('sara')).toBe('wrap_up');
    const entry = await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } });
    expect(entry).toMatchObject({ status: 'waiting', queue: 'billing', excludedAgents: ['sara'] });

    // Twilio requests Sara's <Dial action> as the redirect ends her leg: not the call's end, no survey.
    const legEnded = await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${leg}`, { CallSid: params.CallSid, CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '35' }).expect(200);
    expect(legEnded.text).not.toMatch(/<Hangup|<Gather/);
    expect((await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).status).toBe('waiting');
    expect(await t.db.prisma.call.findUniqueOrThrow({ where: { id: callId } })).toMatchObject({ endedAt: null });
    expect(await t.db.prisma.surveySession.count({ where: { callId } })).toBe(0);

    // Huda is free: she is offered the call with the whole pop, the caller's verdict and IVR path, and the note.
    await available('huda');
    await t.services.routing.dispatch();
    const pop = await huda.next((m) => m.type === 'screen_pop' && m.call.id === callId);
    expect(pop.transfer).toEqual({ from: 'sara', note: NOTE, mode: 'cold' });
    expect(pop.customer).toMatchObject({ id: 'c-omar', name: 'Omar Haddad', known: true });
    expect(pop.call).toMatchObject({ queue: 'billing', providerCallId: params.CallSid });
    expect(pop.verification).toMatchObject({ status: expect.any(String) });
    expect(pop.ivr.path.length).toBeGreaterThan(0);

    // Huda takes it: the caller leaves the queue for her softphone, on a leg of her own.
    wait(4);
    await api().post(`/api/reservations/${pop.reservation.id}/accept`).set('Authorization', bearer('agent', 'huda')).expect(200);
    expect(twilioApi.requests[1]!.form.Twiml).toContain(`action="${BASE}/webhooks/twilio/agent-leg-ended?leg=${pop.reservation.id}" method="POST"><Client><Identity>client-huda</Identity>`);
    expect(await stateOf('huda')).toBe('busy');

    // Sara wraps up her part of the call.
    await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'sara')).send({ disposition: 'transferred', resolved: false }).expect(201);

    // The call's timeline entry shows the transfer.
    const timeline = await api().get('/api/customers/c-omar/timeline').set('Authorization', bearer('admin', 'admin-noura')).expect(200);
    const item = timeline.body.items.find((i: { callId?: string }) => i.callId === callId);
    expect(item.call.events).toContainEqual(expect.objectContaining({ type: 'transfer', from: 'sara', queue: 'billing', mode: 'cold', by: 'sara', note: NOTE }));
  });
});

describe('a cold transfer to a named agent', () => {
  it('offers the call to that agent alone, though a longer-idle agent is free', async () => {
    const { callId } = await callWithSara();
    await available('amal');
    await available('huda');
    const res = await transfer(callId, { agentId: 'huda', mode: 'cold' });
    expect(res.status).toBe(201);
    expect(res.body.to).toEqual({ agentId: 'huda' });
    expect(twilioApi.requests[0]!.form.Twiml).toContain('>support</Enqueue>');
    await t.services.routing.dispatch();
    const offers = await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });
    expect(offers.map((o) => o.agentId)).toEqual(['huda']);
    const message = await t.db.prisma.agentMessage.findFirstOrThrow({ where: { agentId: 'huda', ref: offers[0]!.id } });
    expect((message.payload as { transfer: unknown }).transfer).toEqual({ from: 'sara', note: null, mode: 'cold' });

    // She declines: the call goes on in its queue, to someone else (never back to Sara).
    await api().post(`/api/reservations/${offers[0]!.id}/reject`).set('Authorization', bearer('agent', 'huda')).expect(200);
    await t.services.routing.dispatch();
    const next = await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });
    expect(next.map((o) => o.agentId)).toEqual(['amal']);
  });

  it('lets a supervisor transfer an agent\'s call', async () => {
    const { callId } = await callWithSara();
    const res = await transfer(callId, { queue: 'billing', mode: 'cold' }, bearer('supervisor', 'sup-reem'));
    expect(res.status).toBe(201);
    expect(res.body.from).toBe('sara');
    expect(await stateOf('sara')).toBe('wrap_up');
  });
});

describe('a transfer repeated while it is under way', () => {
  it('answers the same result and transfers nothing twice; another target is a conflict', async () => {
    const { callId } = await callWithSara();
    const first = await transfer(callId, { queue: 'billing', mode: 'cold', note: NOTE }).expect(201);
    const again = await transfer(callId, { queue: 'billing', mode: 'cold', note: NOTE }).expect(200);
    expect(again.body).toEqual(first.body);
    expect(twilioApi.requests).toHaveLength(1);
    expect(await t.db.prisma.callEvent.count({ where: { callId, type: 'transfer' } })).toBe(1);
    const other = await transfer(callId, { queue: 'sales', mode: 'cold' }).expect(409);
    expect(other.body.error.message).toMatch(/already in progress/);
  });
});

describe('refusals write nothing', () => {
  it('answers 400 naming the field, 404, 403 and 409, and leaves the call with its agent', async () => {
    const { callId } = await callWithSara();
    const before = await snapshot(callId);
    const cases: Array<[unknown, number, RegExp, string?]> = [
      [{ mode: 'cold' }, 400, /^queue: give exactly one/],
      [{ queue: 'billing', agentId: 'huda', mode: 'cold' }, 400, /^agentId: give exactly one/],
      [{ queue: 'billing', mode: 'hot' }, 400, /^mode: /],
      [{ queue: 'billing', mode: 'cold', note: 'x'.repeat(501) }, 400, /^note: must be at most 500/],
      [{ queue: 'billing', mode: 'cold', note: 'a\u0000b' }, 400, /^note: /],
      [{ queue: 'billing', mode: 'cold', extra: 1 }, 400, /extra|Unrecognized/],
      [{ agentId: 'sara', mode: 'cold' }, 400, /^agentId: the call is already with this agent/],
      [{ queue: 'nowhere', mode: 'cold' }, 404, /no queue 'nowhere'/],
      [{ agentId: 'nobody', mode: 'cold' }, 404, /no agent 'nobody'/],
      [{ queue: 'billing', mode: 'cold' }, 403, /only the call's agent/, bearer('agent', 'huda')],
    ];
    for (const [body, status, message, who] of cases) {
      const res = await transfer(callId, body, who);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body.error.message).toMatch(message);
    }
    const unknown = await transfer('no-such-call', { queue: 'billing', mode: 'cold' }).expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND' });
    await api().post(`/api/calls/${callId}/transfer`).send({ queue: 'billing', mode: 'cold' }).expect(401);
    expect(await snapshot(callId)).toEqual(before);
  });

  it('answers 409 for a call not with an agent, an ended call and an Amazon Connect call', async () => {
    // Waiting in line, nobody has it.
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    const waiting = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
    const w = await transfer(waiting.id, { queue: 'billing', mode: 'cold' }, bearer('supervisor', 'sup-reem')).expect(409);
    expect(w.body.error.message).toMatch(/not connected to an agent/);
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '30' }).expect(204);

    const { callId, params } = await callWithSara();
    await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '60' }).expect(204);
    const before = await snapshot(callId);
    const ended = await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(409);
    expect(ended.body.error.message).toMatch(/has ended/);
    expect(await snapshot(callId)).toEqual(before);

    const connect = await t.db.prisma.call.create({
      data: { provider: 'connect', providerCallId: 'c0ffee00-0000-4000-8000-000000000001', fromRaw: '+966551112233', fromE164: '+966551112233', flowName: 'connect', flowVersion: 0, language: 'en', status: 'queued', session: {} },
    });
    const c = await transfer(connect.id, { queue: 'billing', mode: 'cold' }).expect(409);
    expect(c.body.error.message).toMatch(/Amazon Connect.*CCP/);
    expect(twilioApi.requests).toHaveLength(0);
  });

  it('leaves the caller with the first agent when Twilio fails (503), and a retry then transfers', async () => {
    const { callId } = await callWithSara();
    const before = await snapshot(callId);
    twilioApi.failNext();
    const res = await transfer(callId, { queue: 'billing', mode: 'cold', note: NOTE }).expect(503);
    expect(res.body.error.message).toMatch(/still with you/);
    const after = await snapshot(callId);
    expect({ ...after, entry: { ...after.entry, updatedAt: null }, twilio: 0 }).toEqual({ ...before, entry: { ...before.entry, updatedAt: null }, twilio: 0 });
    expect(await stateOf('sara')).toBe('busy');
    await transfer(callId, { queue: 'billing', mode: 'cold', note: NOTE }).expect(201);
  });
});

describe('KPIs of a transferred call', () => {
  it('count one offered contact, answered once, with a handled leg for each agent', async () => {
    const from = '2026-11-29';
    const to = '2026-11-30';
    const kpis = async (agent?: string) => {
      await t.services.analytics.refresh();
      const res = await api().get('/api/analytics/kpis').query({ from, to, interval: '1d', ...(agent ? { agent } : {}) }).set('Authorization', bearer('supervisor', 'sup-reem')).expect(200);
      return res.body.totals as Record<string, number | null>;
    };
    const [beforeAll, beforeSara, beforeHuda] = [await kpis(), await kpis('sara'), await kpis('huda')];

    const { callId, params } = await callWithSara();
    wait(60);
    await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(201);
    await available('huda');
    await t.services.routing.dispatch();
    const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'huda', status: 'pending' } });
    wait(10);
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('agent', 'huda')).expect(200);
    wait(90);
    await postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: '170' }).expect(204);

    const [all, sara, huda] = [await kpis(), await kpis('sara'), await kpis('huda')];
    expect(all.offered! - beforeAll.offered!).toBe(1);
    expect(all.answered! - beforeAll.answered!).toBe(1);
    // The first agent is credited with the answer; the second only with her leg.
    expect(sara.answered! - beforeSara.answered!).toBe(1);
    expect(huda.offered).toBe(beforeHuda.offered);
    expect(huda.answered).toBe(beforeHuda.answered);
    expect(beforeHuda.ahtSeconds).toBeNull();
    expect(huda.ahtSeconds).toBe(90);
  });
});

describe('erasure of a transferred caller', () => {
  it('leaves the note nowhere: not in the call events, the routing context or the stored pops', async () => {
    await t.services.customers.upsert({ id: 'c-gone', name: 'Ghada Gone', phones: ['+966551119999'], language: 'en', tier: 'standard' });
    const p = { CallSid: newCallSid(), From: '+966551119999', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
    await available('sara');
    await t.services.routing.dispatch();
    const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('agent', 'sara')).expect(200);
    const secret = 'Ghada asked about her divorce settlement payments';
    await transfer(call.id, { queue: 'billing', mode: 'cold', note: secret }).expect(201);
    await available('huda');
    await t.services.routing.dispatch();

    const traces = async () => {
      const columns = await t.db.prisma.$queryRaw<Array<{ table_name: string; column_name: string }>>`
        SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`;
      const hits: string[] = [];
      for (const { table_name: table, column_name: column } of columns) {
        const rows = await t.db.prisma.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM "${table}" WHERE "${column}"::text ILIKE $1`, '%divorce settlement%');
        if (rows.length > 0) hits.push(`${table}.${column}`);
      }
      return hits.sort();
    };
    expect(await traces()).toEqual(['AgentMessage.payload', 'CallEvent.data', 'QueueEntry.context']);
    await api().delete('/api/customers/c-gone').set('Authorization', bearer('admin', 'admin-noura')).expect(200);
    expect(await traces()).toEqual([]);
    // The transfer itself stays, anonymous, for the KPIs and the agents' records.
    const event = await t.db.prisma.callEvent.findFirstOrThrow({ where: { callId: call.id, type: 'transfer' } });
    expect(event.data).toEqual({ queue: 'billing', mode: 'cold' });
  });
});

describe('a warm transfer', () => {
  it('keeps the caller with the first agent while the target is offered, and moves them once the target accepts', async () => {
    const { params, callId, leg } = await callWithSara();
    const huda = await socketOf('huda');
    await available('huda');
    const res = await transfer(callId, { agentId: 'huda', mode: 'warm', note: NOTE });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ callId, mode: 'warm', from: 'sara', to: { agentId: 'huda' }, status: 'offered' });
    // Nothing moved yet: the caller is still talking to Sara.
    expect(twilioApi.requests).toHaveLength(0);
    expect(await stateOf('sara')).toBe('busy');
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).toMatchObject({ status: 'assigned', agentId: 'sara' });

    const pop = await huda.next((m) => m.type === 'screen_pop' && m.call.id === callId);
    expect(pop.transfer).toEqual({ from: 'sara', note: NOTE, mode: 'warm' });
    expect(pop.customer).toMatchObject({ name: 'Omar Haddad', known: true });

    // The same request again is the same transfer; another one waits for this one.
    const again = await transfer(callId, { agentId: 'huda', mode: 'warm', note: NOTE }).expect(202);
    expect(again.body).toEqual(res.body);
    expect(await t.db.prisma.reservation.count({ where: { status: 'pending', entry: { callId } } })).toBe(1);
    await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(409);

    await api().post(`/api/reservations/${pop.reservation.id}/accept`).set('Authorization', bearer('agent', 'huda')).expect(200);
    expect(twilioApi.requests).toHaveLength(1);
    expect(twilioApi.requests[0]).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT}/Calls/${params.CallSid}.json` });
    expect(twilioApi.requests[0]!.form.Twiml).toContain(`action="${BASE}/webhooks/twilio/agent-leg-ended?leg=${pop.reservation.id}" method="POST"><Client><Identity>client-huda</Identity><Parameter name="reservationId" value="${pop.reservation.id}"/></Client></Dial>`);
    expect(await stateOf('sara')).toBe('wrap_up');
    expect(await stateOf('huda')).toBe('busy');

    // Sara's <Dial> ends as the caller is moved: Twilio reports her leg, which is not the call's end.
    await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${leg}`, { CallSid: params.CallSid, CallStatus: 'in-progress', DialCallStatus: 'completed', DialCallDuration: '50' }).expect(200);
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).toMatchObject({ status: 'assigned', agentId: 'huda' });
    expect(await stateOf('huda')).toBe('busy');
    const event = await t.db.prisma.callEvent.findFirstOrThrow({ where: { callId, type: 'transfer' } });
    expect(event.data).toEqual({ from: 'sara', by: 'sara', mode: 'warm', agentId: 'huda', note: NOTE });

    // Huda's own leg ending is the call's end for her.
    await postTwilio(t.app, `/webhooks/twilio/agent-leg-ended?leg=${pop.reservation.id}`, { CallSid: params.CallSid, CallStatus: 'completed', DialCallStatus: 'completed', DialCallDuration: '80' }).expect(200);
    expect(await stateOf('huda')).toBe('wrap_up');
  });

  it('is cancelled when nobody accepts in time: the first agent keeps the caller and is told on their socket', async () => {
    const { callId } = await callWithSara();
    const sara = await socketOf('sara');
    await available('amal');
    const res = await transfer(callId, { queue: 'billing', mode: 'warm', note: NOTE }).expect(202);
    expect(res.body.to).toEqual({ queue: 'billing' });
    const [offer] = await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });
    expect(offer!.agentId).toBe('amal');

    await t.db.prisma.reservation.updateMany({ where: { id: offer!.id }, data: { expiresAt: new Date(0) } });
    await t.services.routing.tick();
    const failed = await sara.next((m) => m.type === 'transfer_failed' && m.callId === callId);
    expect(failed).toMatchObject({ callId, reason: 'timeout', to: 'amal', seq: expect.any(Number), id: expect.any(String) });
    expect(twilioApi.requests).toHaveLength(0);
    expect(await stateOf('sara')).toBe('busy');
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).toMatchObject({ status: 'assigned', agentId: 'sara' });
    // No transfer is under way any more: Sara may try again.
    await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(201);
  });

  it('is cancelled when the named agent rejects it', async () => {
    const { callId } = await callWithSara();
    const sara = await socketOf('sara');
    await available('huda');
    await transfer(callId, { agentId: 'huda', mode: 'warm' }).expect(202);
    const [offer] = await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });
    await api().post(`/api/reservations/${offer!.id}/reject`).set('Authorization', bearer('agent', 'huda')).expect(200);
    const failed = await sara.next((m) => m.type === 'transfer_failed' && m.reservationId === undefined && m.callId === callId && m.reason === 'rejected');
    expect(failed).toMatchObject({ to: 'huda' });
    expect(await stateOf('sara')).toBe('busy');
    expect(await stateOf('huda')).toBe('available');
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).toMatchObject({ status: 'assigned', agentId: 'sara' });
  });

  it('refuses with 409 when nobody can be offered the call now, writing nothing', async () => {
    const { callId } = await callWithSara();
    const before = await snapshot(callId);
    const named = await transfer(callId, { agentId: 'huda', mode: 'warm' }).expect(409);
    expect(named.body.error.message).toMatch(/'huda' is not free/);
    const queue = await transfer(callId, { queue: 'billing', mode: 'warm' }).expect(409);
    expect(queue.body.error.message).toMatch(/nobody in 'billing' is free/);
    expect(await snapshot(callId)).toEqual(before);
  });

  it('leaves the caller with the first agent when Twilio cannot move them on accept', async () => {
    const { callId } = await callWithSara();
    const sara = await socketOf('sara');
    await available('huda');
    await transfer(callId, { agentId: 'huda', mode: 'warm' }).expect(202);
    const [offer] = await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId } } });
    twilioApi.failNext();
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('agent', 'huda')).expect(503);
    await sara.next((m) => m.type === 'transfer_failed' && m.callId === callId && m.reason === 'connect_failed');
    expect(await stateOf('sara')).toBe('busy');
    expect(await stateOf('huda')).toBe('available');
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).toMatchObject({ status: 'assigned', agentId: 'sara' });
    expect(await t.db.prisma.callEvent.count({ where: { callId, type: 'transfer' } })).toBe(0);
  });
});

describe('logs', () => {
  it('never hold the note, through every path above (the 503 included)', () => {
    expect(logLines.some((l) => l.includes('transfer: the provider could not move the caller'))).toBe(true);
    expect(logLines.some((l) => l.includes('warm transfer: the provider could not move the caller'))).toBe(true);
    expect(logLines.filter((l) => l.includes('June invoice'))).toEqual([]);
  });
});

describe('the first agent\'s wrap-up after a cold transfer', () => {
  it('is checked against the codes of the queue they took the call in, the next agent\'s against the queue it went to', async () => {
    const codes = (list: unknown[]) => api().put('/api/dispositions').set('Authorization', bearer('admin', 'admin-noura')).send({ codes: list }).expect(200);
    await codes([
      { code: 'line_fixed', label: { ar: 'تم إصلاح الخط', en: 'Line fixed' }, queues: ['support'] },
      { code: 'bill_explained', label: { ar: 'تم توضيح الفاتورة', en: 'Bill explained' }, queues: ['billing'] },
    ]);
    try {
      const { callId } = await callWithSara();
      const huda = await socketOf('huda');
      await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(201);
      await available('huda');
      await t.services.routing.dispatch();
      const pop = await huda.next((m) => m.type === 'screen_pop' && m.call.id === callId);
      await api().post(`/api/reservations/${pop.reservation.id}/accept`).set('Authorization', bearer('agent', 'huda')).expect(200);
      // Sara took it in support: a support code is hers to give, though the call now sits in billing.
      await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'sara')).send({ disposition: 'line_fixed', resolved: false }).expect(201);
      const refused = await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'huda')).send({ disposition: 'line_fixed', resolved: true }).expect(400);
      expect(refused.body.error.message).toMatch(/^disposition:/);
      await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'huda')).send({ disposition: 'bill_explained', resolved: true }).expect(201);
    } finally {
      await codes([]);
    }
  });

  it('is checked against the queue they took the call in while the caller still waits for the next agent', async () => {
    const codes = (list: unknown[]) => api().put('/api/dispositions').set('Authorization', bearer('admin', 'admin-noura')).send({ codes: list }).expect(200);
    await codes([
      { code: 'line_fixed', label: { ar: 'تم إصلاح الخط', en: 'Line fixed' }, queues: ['support'] },
      { code: 'bill_explained', label: { ar: 'تم توضيح الفاتورة', en: 'Bill explained' }, queues: ['billing'] },
    ]);
    try {
      const { callId } = await callWithSara();
      await transfer(callId, { queue: 'billing', mode: 'cold' }).expect(201);
      // Nobody has taken the call in billing yet: Sara's wrap-up form offers her support's codes.
      const refused = await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'sara')).send({ disposition: 'bill_explained', resolved: false }).expect(400);
      expect(refused.body.error.message).toBe("disposition: 'bill_explained' is not a disposition code of queue 'support'");
      await api().post(`/api/calls/${callId}/wrapup`).set('Authorization', bearer('agent', 'sara')).send({ disposition: 'line_fixed', resolved: false }).expect(201);
    } finally {
      await codes([]);
    }
  });
});
