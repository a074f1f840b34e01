import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createRedisBus, type EventBus } from '../../src/realtime/event-bus.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent } from '../helpers/agent-socket.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

// Needs the Redis server at REDIS_URL (default 127.0.0.1:6379): part of the service suite.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const buses: EventBus[] = [];
const bus = () => {
  const b = createRedisBus(REDIS_URL, logger);
  buses.push(b);
  return b;
};
afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
});

describe('the Redis event bus', () => {
  it('carries a message from one node to the subscribers of another, and stops after unsubscribe', async () => {
    const [a, b] = [bus(), bus()];
    const channel = `test.${randomBytes(4).toString('hex')}`;
    const got: unknown[] = [];
    const off = b.subscribe(channel, (m) => got.push(m));
    await new Promise((r) => setTimeout(r, 100)); // SUBSCRIBE reaches Redis
    await a.publish(channel, { hello: 'مرحبا', n: 1 });
    await expect.poll(() => got).toEqual([{ hello: 'مرحبا', n: 1 }]);
    off();
    await new Promise((r) => setTimeout(r, 100));
    await a.publish(channel, { n: 2 });
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toHaveLength(1);
  });

  it("hands this node's own subscribers a copy of the message, once: directly, not again as Redis's echo", async () => {
    const [a, b] = [bus(), bus()];
    const channel = `test.${randomBytes(4).toString('hex')}`;
    const onA: Array<Record<string, unknown>> = [];
    const onB: unknown[] = [];
    a.subscribe(channel, (m) => onA.push(m as Record<string, unknown>));
    b.subscribe(channel, (m) => onB.push(m));
    await new Promise((r) => setTimeout(r, 100)); // SUBSCRIBE reaches Redis
    const message = { n: 1, nested: { x: 'y' } };
    await a.publish(channel, message);
    await expect.poll(() => onB).toEqual([message]);
    await new Promise((r) => setTimeout(r, 200)); // an echo would have come back by now
    expect(onA).toEqual([message]);
    expect(onA[0]).not.toBe(message);
    expect(onA[0]!.nested).not.toBe(message.nested);
    expect(a.health()).toBe('ok');
    expect(a.failedPublishes()).toBe(0);
  });
});

describe('two nodes sharing PostgreSQL and Redis', () => {
  let t: TestApp;
  let nodeB: App;
  let serverB: Awaited<ReturnType<typeof startHttpServer>>;

  beforeAll(async () => {
    t = await createTestApp();
    // Node A handles webhooks; node B holds the agent's socket. Only Redis connects them.
    nodeB = buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger, now: () => t.clock.now, bus: bus() });
    serverB = await startHttpServer(nodeB);
    await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
    await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 1 }, languages: ['en'], twilioIdentity: 'client-sara' });
  });
  afterAll(async () => {
    await serverB.close();
    await t.close();
  });

  it('pops the call on the node that holds the agent socket, not the one that took the webhook', async () => {
    const nodeA = buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger, now: () => t.clock.now, bus: bus(), answerBudgetMs: 10_000 });
    const sara = await connectAgent(serverB.url, t.token('agent', 'sara'));
    await sara.next((m) => m.type === 'hello');
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result');
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(nodeA.app, '/webhooks/twilio/voice', p);
    await postTwilio(nodeA.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
    await nodeA.services.routing.dispatch();
    const pop = await sara.next((m) => m.type === 'screen_pop');
    expect(pop.customer).toMatchObject({ name: 'Omar Haddad', known: true });
    await sara.close();
    await nodeA.shutdown();
  });
});
