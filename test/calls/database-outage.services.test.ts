import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { createTestDatabase } from '../helpers/test-db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { newCallSid, OPEN_HOURS, postTwilio, TEST_CONFIG } from '../helpers/test-app.js';

/**
 * The app talks to PostgreSQL through a TCP proxy that can drop or stall the link, the way
 * a failover or a network partition does. After each fault, calls driven through the signed
 * webhooks must end with complete, correct timelines, nobody offered who hung up, no agent stranded.
 */
let direct: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let proxied: Database;
let built: App;
const clock = { now: OPEN_HOURS };
const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'outage-spool-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  direct = await createTestDatabase();
  if (!direct.url || !direct.schema) throw new Error('the outage tests need TEST_DATABASE_URL (npm run test:services)');
  const target = new URL(direct.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(direct.url);
  viaProxy.host = `${proxy.host}:${proxy.port}`;
  proxied = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: '', schema: direct.schema, timeoutMs: 1000 });
  built = buildApp({
    config: { ...TEST_CONFIG, twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: 'http://127.0.0.1:9' } },
    db: proxied.prisma,
    logger: pino({ level: process.env.OUTAGE_LOG ?? 'silent' }),
    now: () => clock.now,
    answerBudgetMs: 900,
    spoolDir,
  });
  await built.services.flows.publish('main', demoFlowDefinition, { comment: 'test' });
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await built.services.rules.addQueue(q, {});
  for (const id of ['sara', 'omar']) {
    await built.services.agents.upsert(id, { name: id, skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: `client-${id}` });
  }
});
afterAll(async () => {
  await built?.shutdown();
  await proxied?.close().catch(() => {});
  await proxy?.close();
  await direct?.drop();
});

const db = () => direct.prisma;
const agentAuth = (id: string) => ({ Authorization: `Bearer ${signToken(TEST_CONFIG.jwt.secret, { sub: id, role: 'agent' })}` });

const caller = (from: string) => ({ CallSid: newCallSid(), From: from, To: '+966920000000' });
const callOf = (p: { CallSid: string }) => db().call.findUnique({ where: { provider_providerCallId: { provider: 'twilio', providerCallId: p.CallSid } } });
const timelineEntries = async (p: { CallSid: string }) => db().interaction.count({ where: { idempotencyKey: `call:twilio:${p.CallSid}` } });

/** Voice, English, billing: the caller is at the account-number prompt (seq 3 would queue them). */
async function atAccountPrompt(from: string) {
  const p = caller(from);
  await postTwilio(built.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(built.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  await postTwilio(built.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '1' }).expect(200);
  return p;
}

async function timed<T>(work: () => PromiseLike<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

/** After the fault: kept writes applied, one dispatch pass. */
async function recover() {
  proxy.pass();
  await built.services.calls.kept.drained();
  await built.services.routing.dispatch({ agentsChanged: true });
}

async function reset() {
  await db().reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await db().queueEntry.updateMany({ data: { status: 'done' } });
  await db().agent.updateMany({ data: { state: 'offline', activeCount: 0 } });
  for (const id of ['sara', 'omar']) await request(built.app).put(`/api/agents/${id}/status`).set(agentAuth(id)).send({ status: 'available' }).expect(200);
}

describe('PostgreSQL drops every connection for 5 s', () => {
  it('answers every caller in time, keeps what it could not write, and after recovery offers exactly the callers still there', async () => {
    await reset();
    const waitingA = await atAccountPrompt('+966550000001'); // keys the account during the outage
    const leavingD = await atAccountPrompt('+966550000004'); // hangs up during the outage
    proxy.drop();

    const arrivedC = caller('+966550000003'); // calls in during the outage and waits
    const answers = await Promise.all([
      timed(() => postTwilio(built.app, '/webhooks/twilio/gather?seq=3', { ...waitingA, Digits: '12345678' })),
      timed(() => postTwilio(built.app, '/webhooks/twilio/voice', arrivedC)),
    ]);
    const arrivingAndLeavingE = caller('+966550000005');
    const e = await timed(() => postTwilio(built.app, '/webhooks/twilio/voice', arrivingAndLeavingE));
    for (const a of [...answers, e]) {
      expect(a.result.status).toBe(200);
      expect(a.result.text).toMatch(/<Enqueue waitUrl="https:\/\/cc\.example\.test\/webhooks\/twilio\/queue-wait" method="POST">general<\/Enqueue>/);
      expect(a.ms).toBeLessThan(1500);
    }
    // Twilio does not retry status callbacks: they are 2xx once kept on disk.
    await postTwilio(built.app, '/webhooks/twilio/status', { ...leavingD, CallStatus: 'completed', CallDuration: '30' }).expect(204);
    await postTwilio(built.app, '/webhooks/twilio/status', { ...arrivingAndLeavingE, CallStatus: 'completed', CallDuration: '6' }).expect(204);
    expect(built.services.calls.kept.depth()).toBe(5);
    // The fallback queue's hold asks us again: thanked in both languages while the store is away.
    const hold = await postTwilio(built.app, '/webhooks/twilio/queue-wait', { CallSid: arrivedC.CallSid, QueuePosition: '1', QueueTime: '5' });
    expect(hold.status).toBe(200);
    expect(hold.text).toContain('Thank you for waiting');
    expect(hold.text).toContain('شكراً لانتظارك');
    // A caller asking for a callback meanwhile keeps their place instead of hearing an error.
    const callbackAsked = await postTwilio(built.app, '/webhooks/twilio/queue-callback', { CallSid: waitingA.CallSid, Digits: '1' });
    expect(callbackAsked.status).toBe(200);
    expect(callbackAsked.text).toContain('<Pause');
    expect(callbackAsked.text).not.toContain('<Hangup');
    // The API cannot keep an agent's click for later: it says so with a 503, not a 500.
    const click = await request(built.app).put('/api/agents/sara/status').set(agentAuth('sara')).send({ status: 'away' });
    expect(click.status).toBe(503);
    expect(click.body.error.code).toBe('SERVICE_UNAVAILABLE');
    await sleep(3000);

    await recover();
    const offered = await db().reservation.findMany({ where: { status: 'pending' }, include: { entry: true } });
    const offeredCalls = new Set(offered.map((r) => r.entry.callId));
    const [a, c, d, eRow] = await Promise.all([callOf(waitingA), callOf(arrivedC), callOf(leavingD), callOf(arrivingAndLeavingE)]);
    expect(a).toMatchObject({ status: 'queued', queue: 'general' });
    expect(offeredCalls.has(a!.id)).toBe(true);
    expect(d).toMatchObject({ status: 'completed', durationSeconds: 30 });
    expect(eRow).toMatchObject({ status: 'completed', durationSeconds: 6 });
    // The callers who hung up are never offered; the ones still waiting are.
    expect(offeredCalls.has(d!.id)).toBe(false);
    expect(offeredCalls.has(eRow!.id)).toBe(false);
    expect(c).toMatchObject({ status: 'queued', queue: 'general', fromE164: '+966550000003' });
    expect(offeredCalls.has(c!.id)).toBe(true);
    expect(offered).toHaveLength(2);
    // One timeline entry per call, whatever was retried.
    for (const p of [waitingA, arrivedC, leavingD, arrivingAndLeavingE]) expect(await timelineEntries(p)).toBe(1);
    await postTwilio(built.app, '/webhooks/twilio/status', { ...arrivingAndLeavingE, CallStatus: 'completed', CallDuration: '6' }).expect(204);
    expect(await timelineEntries(arrivingAndLeavingE)).toBe(1);
    expect(built.services.calls.kept.depth()).toBe(0);
  });
});

describe('PostgreSQL hangs (connections open, no answers)', () => {
  it('never offers a caller who hung up during the stall, and applies no step the caller did not hear', async () => {
    await reset();
    const leaving = await atAccountPrompt('+966550000011');
    proxy.hang();
    const gather = await timed(() => postTwilio(built.app, '/webhooks/twilio/gather?seq=3', { ...leaving, Digits: '12345678' }));
    expect(gather.result.text).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
    expect(gather.ms).toBeLessThan(1500);
    const status = await timed(() => postTwilio(built.app, '/webhooks/twilio/status', { ...leaving, CallStatus: 'completed', CallDuration: '12' }));
    expect(status.result.status).toBe(204);
    await sleep(4000);

    await recover();
    await sleep(500);
    await built.services.routing.dispatch({ agentsChanged: true });
    const call = await callOf(leaving);
    expect(call).toMatchObject({ status: 'completed', durationSeconds: 12 });
    expect(await db().reservation.count({ where: { status: 'pending' } })).toBe(0);
    expect(await db().queueEntry.count({ where: { callId: call!.id, status: { not: 'done' } } })).toBe(0);
    // The step the caller heard was the fallback, not the billing queue.
    expect(await db().callStep.findUnique({ where: { callId_seq: { callId: call!.id, seq: 3 } } })).toMatchObject({ result: 'fallback' });
    expect(await timelineEntries(leaving)).toBe(1);
    // Both agents are free again.
    expect((await db().agent.findMany({ select: { state: true } })).map((a) => a.state)).toEqual(['available', 'available']);
  });
});

describe('PostgreSQL answers slowly (200 ms each way)', () => {
  it('answers callers within the budget, and what the slow store took late is still one call and one timeline entry each', async () => {
    await reset();
    const slowCaller = caller('+966550000021');
    const atPrompt = await atAccountPrompt('+966550000022');
    proxy.slow(200);
    const voice = await timed(() => postTwilio(built.app, '/webhooks/twilio/voice', slowCaller));
    const gather = await timed(() => postTwilio(built.app, '/webhooks/twilio/gather?seq=3', { ...atPrompt, Digits: '12345678' }));
    for (const a of [voice, gather]) {
      expect(a.result.status).toBe(200);
      expect(a.ms).toBeLessThan(1500);
    }
    await recover();
    await sleep(300);
    await built.services.calls.kept.drained();
    await built.services.routing.dispatch({ agentsChanged: true });
    for (const p of [slowCaller, atPrompt]) {
      const call = await callOf(p);
      expect(call).not.toBeNull();
      expect(await timelineEntries(p)).toBe(1);
      expect(await db().queueEntry.count({ where: { callId: call!.id } })).toBeLessThanOrEqual(1);
    }
    // The caller who keyed their account is in line (for billing, or in the fallback queue if that answer was late), and offered.
    const waiting = await callOf(atPrompt);
    expect(waiting!.status).toBe('queued');
    expect(await db().reservation.count({ where: { status: 'pending', entry: { callId: waiting!.id } } })).toBe(1);
  });
});

