import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { startHttpServer } from '../../src/server-http.js';
import { SUPERVISOR_ALERT_CHANNEL } from '../../src/supervisor/alert-events.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

// Two processes of the app on one database and nothing else between them: two Lambda
// containers (the serverless deployment, with or without REDIS_URL a frozen container hears
// nothing), two containers without REDIS_URL, or one server before and after a restart. What
// one raised, a supervisor polling or connecting to the other must see.

const logger = pino({ level: 'silent' });
const timersA = manualTimers();
const timersB = manualTimers();
let a: TestApp;
let b: App;
let serverA: Awaited<ReturnType<typeof startHttpServer>>;
let serverB: Awaited<ReturnType<typeof startHttpServer>>;
const others: App[] = [];

beforeAll(async () => {
  a = await createTestApp({ supervisor: { timers: timersA } });
  b = buildApp({ config: TEST_CONFIG, db: a.db.prisma, logger, now: () => a.clock.now, supervisor: { timers: timersB } });
  for (const q of ['billing', 'general', 'support']) await a.services.rules.addQueue(q, {});
  await a.services.customers.upsert({ id: 'c-vip', name: 'Noura Alharbi', phones: ['+966501111111'], language: 'en', tier: 'gold', accountValue: { amount: 250_000, currency: 'SAR' } });
  await a.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  serverA = await startHttpServer(a);
  serverB = await startHttpServer(b);
});
afterAll(async () => {
  for (const o of others) await o.shutdown();
  await serverB?.close();
  await serverA?.close();
  await b?.shutdown();
  await a?.close();
});

const bearer = (app: App, role: 'supervisor' | 'admin' = 'supervisor') => `Bearer ${a.token(role, `${role}-1`)}`;
const poll = async (app: App) => (await request(app.app).get('/api/supervisor/live').set('Authorization', bearer(app)).expect(200)).body.messages[1].items as Array<Record<string, any>>;
const ids = (items: Array<Record<string, any>>) => items.map((i) => String(i.id));
const watch = async (server: { url: string }): Promise<AgentSocket> => {
  const s = await connectAgent(server.url, a.token('supervisor', 'sup-huda'), '/ws/supervisor');
  await s.next((m) => m.type === 'alerts');
  return s;
};
const fraud = (callId: string, at = a.clock.now) => ({ type: 'fraud_suspected', at: at.toISOString(), callId, queue: 'billing', reason: 'watchlist' });
const angry = (key: string) => ({
  customerId: 'c-vip',
  channel: 'whatsapp',
  type: 'message',
  at: a.clock.now.toISOString(),
  summary: 'Complaint about the bill',
  text: 'This is terrible, the worst service, I am very angry and disappointed',
  idempotencyKey: key,
});
const minutes = (n: number) => {
  a.clock.now = new Date(a.clock.now.getTime() + n * 60_000);
};

describe('an alert raised by one process', () => {
  it('is listed by a poll on another, and greets a supervisor who connects there; conditions were always read from the database', async () => {
    await a.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, fraud('call-fraud-1'));
    await request(a.app).post('/api/interactions').set('Authorization', bearer(a, 'admin')).send(angry('neg-1')).expect(201);
    // A caller in line on A's webhooks, long enough for a long wait.
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(a.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(a.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    const call = await a.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
    minutes(3);
    // What a Lambda handler waits for before its container may be frozen.
    await a.settle();

    const polled = await poll(b);
    expect(ids(polled)).toEqual(expect.arrayContaining(['fraud_suspected:call-fraud-1', 'negative_sentiment:c-vip', `long_wait:${call.id}`]));
    expect(polled.find((x) => x.id === 'fraud_suspected:call-fraud-1')).toMatchObject({ kind: 'fraud_suspected', callId: 'call-fraud-1', queue: 'billing', reason: 'watchlist' });
    expect(polled.find((x) => x.id === 'negative_sentiment:c-vip')).toMatchObject({ customerId: 'c-vip', channel: 'whatsapp', tier: 'gold', accountValue: { amount: 250_000, currency: 'SAR' } });

    const s = await watch(serverB);
    const greeting = s.received.find((m) => m.type === 'alerts')!;
    expect(ids(greeting.items)).toEqual(expect.arrayContaining(['fraud_suspected:call-fraud-1', 'negative_sentiment:c-vip']));
    await s.close();
    await postTwilio(a.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '190' }).expect(204);
  });

  it('reaches a supervisor already watching on another process at its next check, once', async () => {
    const s = await watch(serverB);
    timersB.advance(1000);
    await a.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, fraud('call-fraud-2'));
    await a.settle();
    timersB.advance(5000);
    expect(await s.next((m) => m.type === 'alert' && m.id === 'fraud_suspected:call-fraud-2')).toMatchObject({ callId: 'call-fraud-2', reason: 'watchlist' });
    timersB.advance(5000);
    await expect.poll(() => b.services.supervisor.refreshes() >= 2).toBe(true);
    await s.next((m) => m.type === 'stats');
    expect(s.received.filter((m) => m.id === 'fraud_suspected:call-fraud-2')).toHaveLength(1);
    await s.close();
  });

  it('is listed by a process started after it was raised (a restart, a new container)', async () => {
    await a.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, fraud('call-fraud-3'));
    await a.settle();
    const later = buildApp({ config: TEST_CONFIG, db: a.db.prisma, logger, now: () => a.clock.now });
    others.push(later);
    expect(ids(await poll(later))).toEqual(expect.arrayContaining(['fraud_suspected:call-fraud-3', 'negative_sentiment:c-vip']));
  });
});

describe('when an event alert clears', () => {
  it('an erasure takes the customer\'s alert off every process\'s list and off the socket, at once where it was erased', async () => {
    const onA = await watch(serverA);
    expect(ids(onA.received.find((m) => m.type === 'alerts')!.items)).toContain('negative_sentiment:c-vip');
    await request(a.app).delete('/api/customers/c-vip').set('Authorization', bearer(a, 'admin')).expect(200);
    await onA.next((m) => m.type === 'alert_cleared' && m.id === 'negative_sentiment:c-vip');
    expect(ids(await poll(a))).not.toContain('negative_sentiment:c-vip');
    expect(ids(await poll(b))).not.toContain('negative_sentiment:c-vip');
    expect(ids(await poll(a))).toContain('fraud_suspected:call-fraud-1');
    await onA.close();
  });

  it('after ALERT_EVENT_MINUTES: gone from every list, and the watching socket is told it cleared', async () => {
    const onA = await watch(serverA);
    timersA.advance(1000);
    await a.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, fraud('call-fraud-4'));
    await onA.next((m) => m.type === 'alert' && m.id === 'fraud_suspected:call-fraud-4');
    await a.settle();
    minutes(59);
    expect(ids(await poll(a))).toContain('fraud_suspected:call-fraud-4');
    minutes(1);
    timersA.advance(5000);
    await onA.next((m) => m.type === 'alert_cleared' && m.id === 'fraud_suspected:call-fraud-4');
    expect(ids(await poll(b)).filter((id) => id.startsWith('fraud_suspected:'))).toEqual([]);
    expect(ids(await poll(a)).filter((id) => id.startsWith('fraud_suspected:'))).toEqual([]);
    // Raised again after its window: a new alert.
    await a.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, fraud('call-fraud-4'));
    await a.settle();
    expect(ids(await poll(b))).toContain('fraud_suspected:call-fraud-4');
    await onA.close();
  });
});
