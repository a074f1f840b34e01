import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let nodeB: App;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  // A second node on the same database: its own dispatcher, its own process-local state.
  nodeB = buildApp({
    config: { ...TEST_CONFIG, twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: twilioApi.url } },
    db: t.db.prisma,
    logger: pino({ level: 'silent' }),
    now: () => t.clock.now,
  });
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  // As a node in service has them (src/server.ts opens them before it listens): the burst below
  // is about routing, and on a cold pool its callers' lookups would wait for new PostgreSQL backends.
  await t.db.warm();
  for (const id of AGENTS) await t.services.agents.upsert(id, { name: id, skills: { support: 1 }, languages: ['en', 'ar'], twilioIdentity: `client-${id}` });
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});

const as = (id: string) => ({ Authorization: `Bearer ${t.token('agent', id)}` });

async function enterQueue(): Promise<{ CallSid: string; From: string; To: string }> {
  const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
  return p;
}

async function assertNoDoubleReservation() {
  const pending = await t.db.prisma.reservation.groupBy({ by: ['agentId'], where: { status: 'pending' }, _count: { _all: true } });
  expect(pending.filter((p) => p._count._all > 1)).toEqual([]);
  const perEntry = await t.db.prisma.reservation.groupBy({ by: ['entryId'], where: { status: { in: ['pending', 'accepted'] } }, _count: { _all: true } });
  expect(perEntry.filter((p) => p._count._all > 1)).toEqual([]);
}

describe('many calls and agents on two nodes at once', () => {
  it('never reserves an agent twice and ends every call in exactly one outcome', async () => {
    const calls = await Promise.all(Array.from({ length: 24 }, () => enterQueue()));
    let rng = 7;
    const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

    for (let round = 0; round < 60; round++) {
      // Agents come and go on either node while both dispatch.
      await Promise.all(
        AGENTS.map((id) => {
          const node = random() < 0.5 ? t.app : nodeB.app;
          const status = random() < 0.8 ? 'available' : 'away';
          return request(node).put(`/api/agents/${id}/status`).set(as(id)).send({ status });
        }),
      );
      await Promise.all([t.services.routing.dispatch(), nodeB.services.routing.dispatch()]);
      await assertNoDoubleReservation();
      const pending = await t.db.prisma.reservation.findMany({ where: { status: 'pending' }, include: { entry: true } });
      await Promise.all(
        pending.map(async (r) => {
          const node = random() < 0.5 ? t.app : nodeB.app;
          const action = random() < 0.6 ? 'accept' : 'reject';
          // Each offer is answered twice at once, on both nodes: only one answer may count.
          await Promise.all([
            request(node).post(`/api/reservations/${r.id}/${action}`).set(as(r.agentId)),
            request(node === t.app ? nodeB.app : t.app).post(`/api/reservations/${r.id}/${action}`).set(as(r.agentId)),
          ]);
        }),
      );
      await assertNoDoubleReservation();
      // Connected callers finish; some waiting callers give up.
      const assigned = await t.db.prisma.queueEntry.findMany({ where: { status: 'assigned' }, include: { reservations: true } });
      const waiting = await t.db.prisma.queueEntry.findMany({ where: { status: 'waiting' } });
      const hangups = [...assigned, ...waiting.filter(() => random() < 0.05)];
      for (const e of hangups) {
        const call = await t.db.prisma.call.findUniqueOrThrow({ where: { id: e.callId } });
        await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: call.providerCallId, From: '+966551112233', To: '+966920000000', CallStatus: 'completed', CallDuration: '30' });
      }
      t.clock.now = new Date(t.clock.now.getTime() + 31_000); // wrap-up ends
      await t.services.routing.tick();
      if ((await t.db.prisma.queueEntry.count({ where: { status: { not: 'done' } } })) === 0) break;
    }

    const entries = await t.db.prisma.queueEntry.findMany({ include: { reservations: true } });
    expect(entries).toHaveLength(calls.length);
    for (const e of entries) {
      expect(e.status).toBe('done');
      expect(['assigned', 'abandoned']).toContain(e.outcome);
      const accepted = e.reservations.filter((r) => r.status === 'accepted');
      expect(accepted).toHaveLength(e.outcome === 'assigned' ? 1 : 0);
    }
    // Every accepted offer was bridged exactly once with the REST API.
    const bridged = twilioApi.requests.filter((r) => /\/Calls\/CA[0-9a-f]{32}\.json$/.test(r.path));
    expect(bridged).toHaveLength(entries.filter((e) => e.outcome === 'assigned').length);
    const agents = await t.db.prisma.agent.findMany();
    expect(agents.every((a) => a.activeCount === 0)).toBe(true);
  });

  it('offers calls of equal priority first in, first out', async () => {
    await t.db.prisma.agent.updateMany({ data: { state: 'offline' } });
    const order = [];
    for (let i = 0; i < 4; i++) {
      t.clock.now = new Date(t.clock.now.getTime() + 1000);
      const p = await enterQueue();
      order.push((await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } })).id);
    }
    const served = [];
    for (let i = 0; i < 4; i++) {
      await request(t.app).put('/api/agents/a1/status').set(as('a1')).send({ status: 'available' }).expect(200);
      await t.services.routing.dispatch();
      const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'a1', status: 'pending' }, include: { entry: true } });
      served.push(offer!.entry.callId);
      await request(t.app).post(`/api/reservations/${offer!.id}/accept`).set(as('a1')).expect(200);
      const call = await t.db.prisma.call.findUniqueOrThrow({ where: { id: offer!.entry.callId } });
      await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: call.providerCallId, CallStatus: 'completed', CallDuration: '5' });
    }
    expect(served).toEqual(order);
  });
});
