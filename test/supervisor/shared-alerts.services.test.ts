import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { createRedisBus, type EventBus } from '../../src/realtime/event-bus.js';
import { startHttpServer } from '../../src/server-http.js';
import { SUPERVISOR_ALERT_CHANNEL } from '../../src/supervisor/alert-events.js';
import { createAlertStore } from '../../src/supervisor/alert-store.js';
import { connectAgent } from '../helpers/agent-socket.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

// Server nodes sharing PostgreSQL (TEST_DATABASE_URL) and Redis (REDIS_URL, default
// 127.0.0.1:6379): part of the service suite. Redis carries an alert to the nodes running when
// it is raised; a node that starts later (a rolling deploy, a scale-out, a restart) did not hear it.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const buses: EventBus[] = [];
const redisBus = () => {
  const bus = createRedisBus(REDIS_URL, logger);
  buses.push(bus);
  return bus;
};
let t: TestApp;
let nodeA: App;
const nodes: Array<{ app: App; server: Awaited<ReturnType<typeof startHttpServer>> }> = [];

async function startNode(): Promise<{ app: App; url: string }> {
  const app = buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger, now: () => t.clock.now, bus: redisBus() });
  const server = await startHttpServer(app);
  nodes.push({ app, server });
  return { app, url: server.url };
}

beforeAll(async () => {
  t = await createTestApp();
  nodeA = buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger, now: () => t.clock.now, bus: redisBus() });
});
afterAll(async () => {
  for (const n of nodes) {
    await n.server.close();
    await n.app.shutdown();
  }
  await nodeA?.shutdown();
  await Promise.all(buses.map((bus) => bus.close()));
  await t?.close();
});

const supervisor = (url: string) => connectAgent(url, t.token('supervisor', 'sup-huda'), '/ws/supervisor');
const polled = async (app: App) =>
  ((await request(app.app).get('/api/supervisor/live').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200)).body.messages[1].items as Array<{ id: string }>).map((a) => a.id);

describe('alerts across server nodes with Redis', () => {
  it('a node running when A raises an alert pushes it at once; one started later greets and answers polls with it too', async () => {
    const b = await startNode();
    const watching = await supervisor(b.url);
    await watching.next((m) => m.type === 'alerts');
    // Both connected to Redis, and B's SUBSCRIBE there: a message published before is not delivered (at most once).
    await expect.poll(() => [nodeA.services.bus.health(), b.app.services.bus.health()]).toEqual(['ok', 'ok']);
    await new Promise((r) => setTimeout(r, 100));
    await nodeA.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, { type: 'fraud_suspected', at: t.clock.now.toISOString(), callId: 'call-redis-1', queue: 'billing', reason: 'spoof' });
    expect(await watching.next((m) => m.type === 'alert' && m.id === 'fraud_suspected:call-redis-1')).toMatchObject({ reason: 'spoof' });
    await watching.close();
    await nodeA.settle();

    const c = await startNode();
    const fresh = await supervisor(c.url);
    const greeting = await fresh.next((m) => m.type === 'alerts');
    expect((greeting.items as Array<{ id: string }>).map((a) => a.id)).toContain('fraud_suspected:call-redis-1');
    await fresh.close();
    expect(await polled(c.app)).toContain('fraud_suspected:call-redis-1');
  });
});

describe('an alert raised while its customer is being erased', () => {
  it('waits for the erasure and writes nothing: it cannot outlive it', async () => {
    await t.services.customers.upsert({ id: 'c-race', name: 'Reem Race', phones: ['+966501119999'], language: 'ar', tier: 'platinum' });
    const store = createAlertStore(t.db.prisma);
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    // The erasure's order (src/privacy/erase-customer.ts): the customer locked, the alerts erased, … the customer deleted, commit.
    const erasure = t.db.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Customer" WHERE "id" = 'c-race' FOR UPDATE`;
      await tx.supervisorAlert.deleteMany({ where: { customerId: 'c-race' } });
      held();
      await finishing;
      await tx.customerPhone.deleteMany({ where: { customerId: 'c-race' } });
      await tx.customer.delete({ where: { id: 'c-race' } });
    });
    await holding;
    // Worked out from a read made before the erasure began.
    const raising = store.raise({ id: 'negative_sentiment:c-race', kind: 'negative_sentiment', at: t.clock.now.toISOString(), customerId: 'c-race', tier: 'platinum' }, t.clock.now, new Date(t.clock.now.getTime() + 3_600_000));
    // The alert's write is waiting on the customer's row.
    await expect.poll(async () => Number((await t.db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM pg_locks WHERE NOT granted`)[0]!.n)).toBeGreaterThan(0);
    finish();
    await erasure;
    expect(await raising).toBe('erased');
    expect(await t.db.prisma.supervisorAlert.count({ where: { customerId: 'c-race' } })).toBe(0);
  });
});
