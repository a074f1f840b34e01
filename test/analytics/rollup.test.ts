import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const T = (iso: string) => new Date(iso);
const plus = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

async function kpis(query: Record<string, string>) {
  const res = await request(t.app).get('/api/analytics/kpis').query(query).set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200);
  return res.body;
}

/** An answered call: joined at `at`, taken after `wait` s by `agentId`, over after `talk` s; the agent's states around it. */
async function answered(id: string, opts: { at: Date; wait: number; talk: number; agentId: string; customerId?: string; kind?: 'call' | 'callback'; wrap?: number }) {
  const assignedAt = plus(opts.at, opts.wait);
  const endedAt = plus(assignedAt, opts.talk);
  const callback = opts.kind === 'callback';
  await t.db.prisma.call.create({
    data: { id, provider: 'twilio', providerCallId: `CA${id}`, fromRaw: '+966500000000', customerId: opts.customerId ?? null, flowName: 'main', flowVersion: 1, language: 'ar', session: {}, status: 'completed', queue: 'support',
            startedAt: plus(opts.at, -20), endedAt: callback ? plus(opts.at, 30) : endedAt, endStatus: 'completed' },
  });
  await t.db.prisma.queueEntry.create({
    data: { callId: id, customerId: opts.customerId ?? null, kind: opts.kind ?? 'call', queue: 'support', priority: 10, enqueuedAt: opts.at, status: 'done', ruleVersion: 0, rule: 'default', decision: {}, context: {}, outcome: 'assigned', agentId: opts.agentId, assignedAt },
  });
  if (opts.customerId) {
    await t.db.prisma.interaction.create({ data: { idempotencyKey: `call:twilio:CA${id}`, customerId: opts.customerId, channel: 'voice', type: 'call', at: plus(opts.at, -20), summary: 'call', callId: id } });
  }
  await t.db.prisma.agentStateEvent.createMany({
    data: [
      { agentId: opts.agentId, state: 'busy', source: 'accept', at: assignedAt },
      { agentId: opts.agentId, state: 'wrap_up', source: 'call_end', at: endedAt },
      { agentId: opts.agentId, state: 'available', source: 'routing', at: plus(endedAt, opts.wrap ?? 30) },
    ],
  });
  return { assignedAt, endedAt };
}

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await t.services.rules.addQueue('support', {});
  for (const id of ['sara', 'huda', 'omar', 'noor']) await t.services.agents.upsert(id, { name: id, skills: {}, languages: ['ar'] });
  await t.services.customers.upsert({ id: 'c-1', name: 'Customer One', phones: ['+966511111111'], language: 'ar', tier: 'standard' });
});
afterAll(() => t.close());

describe('the rollup over stored calls', () => {
  it('measures a callback from the callback leg: answered, handled until the agent went to wrap-up, not in ASA', async () => {
    // 2026-11-20 09:00 Riyadh; taken 20 minutes later, 100 s on the phone, 30 s of wrap-up.
    await answered('cb1', { at: T('2026-11-20T06:00:00Z'), wait: 1200, talk: 100, agentId: 'omar', kind: 'callback' });
    t.clock.now = T('2026-11-20T08:00:00Z');
    await t.services.analytics.refresh();
    const body = await kpis({ from: '2026-11-20', to: '2026-11-21', interval: '1d', agent: 'omar' });
    expect(body.totals).toMatchObject({ offered: 1, answered: 1, asaSeconds: null, serviceLevel: null, ahtSeconds: 130, abandoned: 0 });
  });

  it('credits a transferred call to the agent who answered it and each agent for their own leg', async () => {
    const { assignedAt } = await answered('tr1', { at: T('2026-11-21T06:00:00Z'), wait: 10, talk: 200, agentId: 'huda' });
    await t.db.prisma.callEvent.createMany({
      data: [
        { callId: 'tr1', key: 'accepted:r1', type: 'accepted', at: assignedAt, data: { agentId: 'sara', reservationId: 'r1' } },
        { callId: 'tr1', key: 'accepted:r2', type: 'accepted', at: plus(assignedAt, 50), data: { agentId: 'huda', reservationId: 'r2' } },
      ],
    });
    t.clock.now = T('2026-11-21T07:00:00Z');
    await t.services.analytics.refresh();
    const q = { from: '2026-11-21', to: '2026-11-22', interval: '1d' };
    expect((await kpis({ ...q, agent: 'sara' })).totals).toMatchObject({ offered: 1, answered: 1, asaSeconds: 10, ahtSeconds: 50 });
    expect((await kpis({ ...q, agent: 'huda' })).totals).toMatchObject({ offered: 0, answered: 0, ahtSeconds: 180 });
    expect((await kpis(q)).totals).toMatchObject({ offered: 1, answered: 1, ahtSeconds: 115 });
  });

  it('turns FCR from resolved to not when the customer comes back on another channel within 7 days, and surveys count once answered', async () => {
    await answered('fcr1', { at: T('2026-11-22T06:00:00Z'), wait: 5, talk: 60, agentId: 'sara', customerId: 'c-1' });
    await t.db.prisma.callEvent.create({ data: { callId: 'fcr1', key: 'wrapup:sara', type: 'wrapup', at: T('2026-11-22T06:02:00Z'), data: { agentId: 'sara', disposition: 'fixed', resolved: 'true' } } });
    // A consent change is not a contact.
    await t.db.prisma.interaction.create({ data: { idempotencyKey: 'consent-1', customerId: 'c-1', channel: 'voice', type: 'consent', at: T('2026-11-23T06:00:00Z'), summary: 'consent' } });
    t.clock.now = T('2026-11-24T06:00:00Z');
    await t.services.analytics.rollup.sweep();
    const q = { from: '2026-11-22', to: '2026-11-23', interval: '1d', agent: 'sara' };
    expect((await kpis(q)).totals).toMatchObject({ fcr: 1, csat: null });

    // Two days after the call, far outside the tick's two hours: a chat from the same customer, and the call's survey.
    await t.db.prisma.interaction.create({ data: { idempotencyKey: 'chat-1', customerId: 'c-1', channel: 'chat', type: 'message', at: T('2026-11-24T05:59:00Z'), summary: 'still broken' } });
    await t.db.prisma.surveyResponse.create({ data: { callId: 'fcr1', customerId: 'c-1', queue: 'support', agentId: 'sara', csat: 2, nps: 3, language: 'ar', answeredAt: T('2026-11-24T05:59:30Z') } });
    await t.services.analytics.refresh();
    expect((await kpis(q)).totals).toMatchObject({ fcr: 0, csat: 0, nps: -100 });
  });

  it('splits an agent shift across midnight in Riyadh between the two days', async () => {
    // Noor signs in at 23:30 and out at 00:30 Riyadh, on a call from 23:50 to 00:10.
    await t.db.prisma.agentStateEvent.createMany({
      data: [
        { agentId: 'noor', state: 'available', source: 'api', at: T('2026-11-25T20:30:00Z') },
        { agentId: 'noor', state: 'busy', source: 'accept', at: T('2026-11-25T20:50:00Z') },
        { agentId: 'noor', state: 'available', source: 'routing', at: T('2026-11-25T21:10:00Z') },
        { agentId: 'noor', state: 'offline', source: 'api', at: T('2026-11-25T21:30:00Z') },
      ],
    });
    t.clock.now = T('2026-11-25T22:00:00Z');
    await t.services.analytics.refresh();
    const body = await kpis({ from: '2026-11-25', to: '2026-11-27', interval: '1d', agent: 'noor' });
    expect(body.series.map((p: { start: string; occupancy: number }) => [p.start, p.occupancy])).toEqual([
      ['2026-11-25T00:00:00+03:00', 0.3333],
      ['2026-11-26T00:00:00+03:00', 0.3333],
    ]);
    expect(body.totals.occupancy).toBe(0.3333);
  });
});
