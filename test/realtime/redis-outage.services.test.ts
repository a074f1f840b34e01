/**
 * Redis carries messages between nodes only. With it cut (connections reset), stalled
 * (connections open, no answers) and back, a node keeps popping calls to the agents whose
 * sockets it holds, answers status changes it has written, reports a degraded bus in
 * readiness, and goes back to cross-node delivery once Redis answers again.
 *
 * The machine's Redis keeps running (other tests use it): node A reaches it through a TCP
 * proxy that the tests cut and stall; node B talks to it directly.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createRedisBus, type EventBus } from '../../src/realtime/event-bus.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
// Short, so a test sees an outage and a recovery within a second or two.
const busOptions = { commandTimeoutMs: 300, healthCheckMs: 200 };

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let proxy: TcpProxy;
let busA: EventBus;
let busB: EventBus;
let nodeA: App;
let nodeB: App;
let serverA: Awaited<ReturnType<typeof startHttpServer>>;
let serverB: Awaited<ReturnType<typeof startHttpServer>>;
const open: AgentSocket[] = [];

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  const redis = new URL(REDIS_URL);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  busA = createRedisBus(`redis://${proxy.host}:${proxy.port}`, logger, busOptions);
  busB = createRedisBus(REDIS_URL, logger, busOptions);
  const config = { ...TEST_CONFIG, twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: twilioApi.url } };
  const node = (bus: EventBus) => buildApp({ config, db: t.db.prisma, logger, now: () => t.clock.now, bus, answerBudgetMs: 10_000 });
  nodeA = node(busA);
  nodeB = node(busB);
  serverA = await startHttpServer(nodeA);
  serverB = await startHttpServer(nodeB);
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 1 }, languages: ['en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  // Each server shuts its node down too.
  await serverA?.close();
  await serverB?.close();
  await Promise.all([busA?.close(), busB?.close()]);
  await proxy?.close();
  await t?.close();
  await twilioApi?.close();
});
beforeEach(async () => {
  proxy.pass();
  await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('ok');
  await Promise.all(open.splice(0).map((s) => s.close()));
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

/** Sara's softphone, on node A (or B), available. */
async function saraOnNodeA(server = serverA) {
  const s = await connectAgent(server.url, t.token('agent', 'sara'));
  open.push(s);
  await s.next((m) => m.type === 'hello');
  s.send({ type: 'status', status: 'available' });
  expect(await s.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'available' });
  return s;
}

/** Omar calls through `node`'s webhooks and asks for support; that node's dispatch offers the call. */
async function call(node: App) {
  const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
  await postTwilio(node.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(node.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  await node.services.routing.dispatch();
  return p;
}

const channel = () => `test.outage.${randomBytes(4).toString('hex')}`;
const setStatus = (node: App, body: object) => request(node.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send(body);

describe('node A with Redis cut off', () => {
  it('still pops the call to its own agent, who accepts it; status changes answer 200 once written; readiness says the bus is degraded', async () => {
    proxy.drop();
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('degraded');

    // A status change is written and answered, not a 500 after the write.
    const away = await setStatus(nodeA, { status: 'away', reason: 'coffee' });
    expect(away.status).toBe(200);
    expect(await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).toMatchObject({ state: 'away', stateReason: 'coffee' });
    const sara = await saraOnNodeA();

    const p = await call(nodeA);
    const pop = await sara.next((m) => m.type === 'screen_pop');
    expect(pop.customer).toMatchObject({ name: 'Omar Haddad', known: true });
    sara.send({ type: 'ack', id: pop.id });
    sara.send({ type: 'accept', reservationId: pop.reservation.id });
    expect(await sara.next((m) => m.type === 'result' && m.for === 'accept')).toMatchObject({ ok: true });
    expect(twilioApi.requests.filter((r) => r.path.endsWith(`/Calls/${p.CallSid}.json`))).toHaveLength(1);
    expect(await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).toMatchObject({ state: 'busy', missedOffers: 0 });

    const ready = await request(nodeA.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'degraded', database: 'ok', bus: 'degraded' });
    expect(busA.failedPublishes()).toBeGreaterThan(0);
  });

  it('resubscribes once Redis is back: a call taken by node B pops on node A, and nothing sent during the outage arrives late', async () => {
    const ch = channel();
    const onB: unknown[] = [];
    busB.subscribe(ch, (m) => onB.push(m));
    const onA: unknown[] = [];
    busA.subscribe(ch, (m) => onA.push(m));

    proxy.drop();
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('degraded');
    await busA.publish(ch, { n: 'during' });
    // This node's own subscribers get it at once; the other node never does.
    await expect.poll(() => onA).toEqual([{ n: 'during' }]);

    proxy.pass();
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('ok');
    expect((await request(nodeA.app).get('/readyz')).body).toEqual({ status: 'ready', database: 'ok', bus: 'ok' });
    await busA.publish(ch, { n: 'after' });
    await expect.poll(() => onB).toEqual([{ n: 'after' }]);
    // Node A's own echo from Redis is skipped: its subscribers got each message once.
    expect(onA).toEqual([{ n: 'during' }, { n: 'after' }]);

    // Node B takes the call and makes the offer; the pop reaches Sara's socket on node A through Redis.
    const sara = await saraOnNodeA();
    await call(nodeB);
    const pop = await sara.next((m) => m.type === 'screen_pop');
    expect(pop.customer).toMatchObject({ name: 'Omar Haddad', known: true });
  });
});

describe('an offer made on node A while its Redis is cut, to an agent on node B', () => {
  it('reaches her softphone as an open pop once Redis is back, before it expires, and she can accept it', async () => {
    const sara = await saraOnNodeA(serverB);
    proxy.drop();
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('degraded');

    const p = await call(nodeA);
    // The offer is made and its pop stored; the bus message to node B is lost.
    const offer = await t.db.prisma.reservation.findFirstOrThrow({ where: { agentId: 'sara', status: 'pending' } });
    expect(sara.received.filter((m) => m.type === 'screen_pop')).toEqual([]);

    proxy.pass();
    const pop = await sara.next((m) => m.type === 'screen_pop', 10_000);
    expect(pop).toMatchObject({ pending: true, reservation: { id: offer.id }, customer: { name: 'Omar Haddad', known: true } });
    sara.send({ type: 'ack', id: pop.id });
    sara.send({ type: 'accept', reservationId: pop.reservation.id });
    expect(await sara.next((m) => m.type === 'result' && m.for === 'accept')).toMatchObject({ ok: true });
    expect(twilioApi.requests.filter((r) => r.path.endsWith(`/Calls/${p.CallSid}.json`))).toHaveLength(1);
    expect(await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).toMatchObject({ state: 'busy', missedOffers: 0 });
  });
});

describe('node A with Redis stalled (connections open, no answers)', () => {
  it('does not wait on Redis: local delivery and status changes go on, readiness says degraded until Redis answers again', async () => {
    const ch = channel();
    const onA: unknown[] = [];
    busA.subscribe(ch, (m) => onA.push(m));
    const onB: unknown[] = [];
    busB.subscribe(ch, (m) => onB.push(m));

    proxy.hang();
    await busA.publish(ch, { n: 1 });
    await expect.poll(() => onA).toEqual([{ n: 1 }]);
    expect((await setStatus(nodeA, { status: 'away', reason: 'stalled' })).status).toBe(200);
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('degraded');
    expect((await request(nodeA.app).get('/readyz')).body).toMatchObject({ status: 'degraded', bus: 'degraded' });

    proxy.pass();
    await expect.poll(() => busA.health(), { timeout: 10_000 }).toBe('ok');
    await busA.publish(ch, { n: 2 });
    await expect.poll(() => onB.some((m) => (m as { n: number }).n === 2)).toBe(true);
  });
});
