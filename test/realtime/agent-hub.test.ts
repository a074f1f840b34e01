import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const open: AgentSocket[] = [];
const DAY = 24 * 3600_000;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  server = await startHttpServer(t);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold', accountValue: { amount: 182000, currency: 'SAR' } });
  const at = (days: number) => new Date(t.clock.now.getTime() - days * DAY);
  await t.services.interactions.record({ idempotencyKey: 'h1', customerId: 'c-noura', phoneE164: null, channel: 'whatsapp', type: 'message', at: at(2), summary: 'Asked why the bill is higher' });
  await t.services.interactions.record({ idempotencyKey: 'h2', customerId: 'c-noura', phoneE164: null, channel: 'email', type: 'message', at: at(9), summary: 'Requested the March invoice' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await server.close();
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0 } });
});

async function agent(id = 'sara', token = t.token('agent', id)) {
  const s = await connectAgent(server.url, token);
  open.push(s);
  await s.next((m) => m.type === 'hello');
  return s;
}

/** Noura calls, presses 1 (billing) and keys her account number; the call is offered. */
async function billingCall(from = '0501234567') {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
  if (first.text.includes('For English, press 2')) await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).then(() => postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '1' })).then(() => postTwilio(t.app, '/webhooks/twilio/gather?seq=3', { ...p, Digits: '12345678' }));
  else await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).then(() => postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '12345678' }));
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  return { p, callId: call.id };
}

describe('the agent socket handshake', () => {
  it.each([
    ['no token', undefined, 401],
    ['a garbage token', 'not.a.jwt', 401],
    ['an expired token', jwt.sign({ role: 'agent' }, TEST_CONFIG.jwt.secret, { subject: 'sara', expiresIn: -10 }), 401],
    ['a token signed with another key', jwt.sign({ role: 'agent' }, 'another-secret', { subject: 'sara' }), 401],
    ['a supervisor token', 'supervisor', 403],
    ['an agent that does not exist', 'ghost', 403],
  ])('refuses the upgrade for %s', async (_name, token, status) => {
    const value = token === 'supervisor' ? t.token('supervisor', 'sara') : token === 'ghost' ? t.token('agent', 'ghost') : token;
    const attempt = value === undefined ? connectAgent(server.url, '').catch((e: { statusCode?: number }) => e) : connectAgent(server.url, value).catch((e: { statusCode?: number }) => e);
    await expect(attempt).resolves.toMatchObject({ statusCode: status });
  });

  it('greets the agent with their profile and state, and accepts ?token= too', async () => {
    const s = await agent();
    expect(s.received[0]).toMatchObject({ type: 'hello', agent: { id: 'sara', name: 'Sara', languages: ['ar', 'en'], state: 'offline' } });
    const WebSocket = (await import('ws')).default;
    const viaQuery = new WebSocket(`${server.url.replace('http', 'ws')}/ws/agent?token=${t.token('agent', 'sara')}`);
    const hello = await new Promise<any>((resolve) => viaQuery.once('message', (d) => resolve(JSON.parse(d.toString()))));
    expect(hello.type).toBe('hello');
    viaQuery.close();
  });
});

describe('the screen pop', () => {
  it('reaches every tab of the agent before they answer, complete, and one accept wins', async () => {
    const tab1 = await agent();
    const tab2 = await agent();
    tab1.send({ type: 'status', status: 'available' });
    await tab1.next((m) => m.type === 'result' && m.for === 'status');
    const { callId, p } = await billingCall();
    const [pop1, pop2] = await Promise.all([tab1.next((m) => m.type === 'screen_pop'), tab2.next((m) => m.type === 'screen_pop')]);
    expect(pop2.id).toBe(pop1.id);
    expect(pop1).toMatchObject({
      seq: expect.any(Number),
      // providerCallId: the softphone matches the pop to the ringing Twilio leg by it.
      call: { id: callId, provider: 'twilio', providerCallId: p.CallSid, from: '+966501234567', language: 'ar', queue: 'billing' },
      customer: { id: 'c-noura', name: 'نورة القحطاني', tier: 'gold', known: true },
      accountValue: { amount: 182000, currency: 'SAR', tier: 'gold' },
      verification: { status: 'skipped' },
      lastInteraction: { channel: 'whatsapp', summary: 'Asked why the bill is higher' },
      ivr: { path: ['main', 'account', 'q_billing'], intent: 'billing', inputs: { account: '12345678' } },
      complete: true,
    });
    expect(pop1.history.map((h: any) => h.channel)).toEqual(['whatsapp', 'email']);
    expect(pop1.call.reservationId).toBe(pop1.reservation.id);

    tab1.send({ type: 'ack', id: pop1.id });
    tab1.send({ type: 'accept', reservationId: pop1.reservation.id });
    tab2.send({ type: 'accept', reservationId: pop1.reservation.id });
    // Two sockets race: whichever accept the server takes first wins, the other hears why.
    const results = await Promise.all([tab1, tab2].map((s) => s.next((m) => m.type === 'result' && m.for === 'accept')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await Promise.all([tab1, tab2].map((s) => s.next((m) => m.type === 'reservation' && m.status === 'accepted')));
    expect(twilioApi.requests.filter((r) => r.path.endsWith(`/Calls/${p.CallSid}.json`))).toHaveLength(1);

    // The pop, its delivery and the accept are on the customer's timeline with the call.
    await expect.poll(async () => (await t.db.prisma.callEvent.count({ where: { callId } }))).toBe(3);
    const timeline = await t.services.interactions.page('c-noura', { limit: 10 });
    const item = timeline.items.find((i) => i.callId === callId);
    expect(item?.call?.events.map((e) => e.type).sort()).toEqual(['accepted', 'pop_delivered', 'pop_sent']);
    expect(item?.call?.events.every((e) => e.agentId === 'sara')).toBe(true);
    expect(item?.providerCallId).toBe(p.CallSid);
  });

  it('pops an unknown caller with what the IVR collected', async () => {
    const s = await agent();
    s.send({ type: 'status', status: 'available' });
    await s.next((m) => m.type === 'result');
    await billingCall('+966559990000');
    const pop = await s.next((m) => m.type === 'screen_pop');
    expect(pop.customer).toEqual({ id: null, name: null, tier: null, known: false });
    expect(pop.call.from).toBe('+966559990000');
    expect(pop.ivr.inputs).toEqual({ account: '12345678' });
    expect(pop.history).toEqual([]);
  });

  it('shows an open offer again at once to a refreshed page, and replays what a disconnected agent missed', async () => {
    const s = await agent();
    s.send({ type: 'status', status: 'available' });
    await s.next((m) => m.type === 'result');
    await billingCall();
    const pop = await s.next((m) => m.type === 'screen_pop');
    await s.close();

    const refreshed = await agent();
    const again = await refreshed.next((m) => m.type === 'screen_pop');
    expect(again).toMatchObject({ id: pop.id, seq: pop.seq, pending: true });

    // While disconnected the offer is rejected elsewhere (a supervisor's API call) and updates are stored.
    await refreshed.close();
    await t.services.routing.reject(pop.reservation.id, 'sara');
    const back = await agent();
    back.send({ type: 'resume', lastSeq: pop.seq });
    const missed = await back.next((m) => m.type === 'reservation' && m.status === 'rejected');
    expect(missed.seq).toBeGreaterThan(pop.seq);
  });
});

describe('messages a softphone must not be able to break', () => {
  it('answers bad frames with an error and keeps the connection open', async () => {
    const s = await agent();
    s.send('not json');
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_MESSAGE', message: 'not JSON' });
    s.send({ type: 'teleport' });
    s.send({ type: 'accept', reservationId: 'x'.repeat(50) });
    s.send({ type: 'status', status: 'available', reason: 'ب'.repeat(500) });
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.received.filter((m) => m.type === 'error')).toHaveLength(5);
    s.send({ type: 'status', status: 'away', reason: 'break' });
    expect(await s.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'away' });
    expect(s.ws.readyState).toBe(s.ws.OPEN);
  });

  it('refuses an accept of an offer made to another agent', async () => {
    await t.services.agents.upsert('omar', { name: 'Omar', skills: { billing: 3 }, languages: ['ar'], twilioIdentity: 'client-omar' });
    const sara = await agent();
    const omar = await agent('omar');
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result');
    await billingCall();
    const pop = await sara.next((m) => m.type === 'screen_pop');
    omar.send({ type: 'accept', reservationId: pop.reservation.id });
    expect(await omar.next((m) => m.type === 'result' && m.for === 'accept')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
