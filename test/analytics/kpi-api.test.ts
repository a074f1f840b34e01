import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const auth = (role: 'agent' | 'supervisor' | 'admin' = 'supervisor') => `Bearer ${t.token(role)}`;
const kpis = (query: Record<string, string>, role: 'agent' | 'supervisor' | 'admin' = 'supervisor') => request(t.app).get('/api/analytics/kpis').query(query).set('Authorization', auth(role));

/** A call that joined `queue` at `enqueuedAt` and was answered `answerAfter` seconds later, or abandoned after `abandonAfter`. */
async function contact(id: string, queue: string, enqueuedAt: string, outcome: { answerAfter: number; agentId: string; talk: number } | { abandonAfter: number }) {
  const joined = new Date(enqueuedAt);
  const plus = (s: number) => new Date(joined.getTime() + s * 1000);
  const answered = 'answerAfter' in outcome;
  const endedAt = answered ? plus(outcome.answerAfter + outcome.talk) : plus(outcome.abandonAfter);
  await t.db.prisma.call.create({
    data: { id, provider: 'twilio', providerCallId: `CA${id}`, fromRaw: '+966500000000', flowName: 'main', flowVersion: 1, language: 'ar', session: {}, status: 'completed', queue, startedAt: plus(-30), endedAt, endStatus: 'completed' },
  });
  await t.db.prisma.queueEntry.create({
    data: {
      callId: id, queue, priority: 10, enqueuedAt: joined, status: 'done', ruleVersion: 0, rule: 'default', decision: {}, context: {},
      outcome: answered ? 'assigned' : 'abandoned', agentId: answered ? outcome.agentId : null, assignedAt: answered ? plus(outcome.answerAfter) : null,
    },
  });
}

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await t.services.rules.addQueue('billing', {});
  await t.services.rules.addQueue('support', {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar'] });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: {}, languages: ['ar'] });
  // 23:59:50 and 00:00:10 in Riyadh, either side of midnight; a day later, one abandon.
  await contact('k1', 'billing', '2026-11-28T20:59:50Z', { answerAfter: 10, agentId: 'sara', talk: 100 });
  await contact('k2', 'support', '2026-11-28T21:00:10Z', { answerAfter: 30, agentId: 'huda', talk: 50 });
  await contact('k3', 'support', '2026-11-29T09:20:00Z', { abandonAfter: 60 });
  await t.services.analytics.rollup.roll(new Date('2026-11-28T00:00:00Z'), new Date('2026-11-30T00:00:00Z'));
});
afterAll(() => t.close());

describe('GET /api/analytics/kpis', () => {
  it('answers totals and one point per interval, days starting at midnight in Riyadh', async () => {
    const res = await kpis({ from: '2026-11-28', to: '2026-11-30', interval: '1d' }).expect(200);
    expect(res.body).toMatchObject({ from: '2026-11-28T00:00:00+03:00', to: '2026-11-30T00:00:00+03:00', interval: '1d', queue: null, agent: null });
    expect(res.body.totals).toMatchObject({ offered: 3, answered: 2, abandoned: 1, asaSeconds: 20, serviceLevel: 0.3333 });
    expect(res.body.series.map((p: { start: string; offered: number; answered: number }) => [p.start, p.offered, p.answered])).toEqual([
      ['2026-11-28T00:00:00+03:00', 1, 1],
      ['2026-11-29T00:00:00+03:00', 2, 1],
    ]);
  });

  it('filters by queue and by agent, and answers null rates for an interval with nothing to measure', async () => {
    const billing = await kpis({ from: '2026-11-28', to: '2026-11-30', interval: '1d', queue: 'billing' }).expect(200);
    expect(billing.body.totals).toMatchObject({ offered: 1, answered: 1, asaSeconds: 10, serviceLevel: 1 });
    expect(billing.body.series[1]).toMatchObject({ offered: 0, abandonmentRate: null, asaSeconds: null, serviceLevel: null, occupancy: null, fcr: null, csat: null, nps: null });
    const huda = await kpis({ from: '2026-11-28', to: '2026-11-30', interval: '1d', agent: 'huda' }).expect(200);
    expect(huda.body.totals).toMatchObject({ offered: 1, answered: 1, asaSeconds: 30, ahtSeconds: 50, serviceLevel: 0 });
    const both = await kpis({ from: '2026-11-28', to: '2026-11-30', interval: '1d', agent: 'sara', queue: 'support' }).expect(200);
    expect(both.body.totals).toMatchObject({ offered: 0 });
  });

  it('widens the range to whole intervals and reads times without an offset on the business clock', async () => {
    const res = await kpis({ from: '2026-11-29T00:10', to: '2026-11-29T00:50', interval: '15m' }).expect(200);
    expect(res.body.from).toBe('2026-11-29T00:00:00+03:00');
    expect(res.body.to).toBe('2026-11-29T01:00:00+03:00');
    expect(res.body.series).toHaveLength(4);
    expect(res.body.series[0]).toMatchObject({ start: '2026-11-29T00:00:00+03:00', offered: 1 });
  });

  it('answers the same series as CSV, with a header row and a byte-order mark', async () => {
    const res = await kpis({ from: '2026-11-28', to: '2026-11-30', interval: '1d', queue: 'support' }).set('Accept', 'text/csv').expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename=kpis-2026-11-28-1d.csv');
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const lines = res.text.slice(1).split('\r\n');
    expect(lines[0]).toBe('start,queue,agent,offered,answered,abandoned,abandonmentRate,asaSeconds,ahtSeconds,serviceLevel,occupancy,fcr,csat,nps');
    expect(lines[1]).toBe('2026-11-28T00:00:00+03:00,support,*,0,0,0,,,,,,,,');
    expect(lines[2]).toBe('2026-11-29T00:00:00+03:00,support,*,2,1,1,0.5,30,50,0,,,,');
    expect(lines[3]).toBe('');
  });

  it.each([
    [{ from: '2026-11-30', to: '2026-11-29' }, 'to'],
    [{ from: '2026-11-29', to: '2026-11-29' }, 'to'],
    [{ from: 'yesterday', to: '2026-11-29' }, 'from'],
    [{ from: '2026-11-29', to: '2026-13-40' }, 'to'],
    [{ from: '2026-01-01', to: '2026-03-01', interval: '15m' }, 'to'],
    [{ from: '1000-01-01', to: '9998-12-31', interval: '1d' }, 'to'],
    [{ interval: '5m' }, 'interval'],
    [{ queue: 'nosuch' }, 'queue'],
    [{ queue: 'BAD NAME' }, 'queue'],
    [{ agent: 'nobody' }, 'agent'],
    [{ from: '2026-11-29\u0000' }, 'from'],
    // Years the database's timestamps cannot hold once widened to the business clock (were 500s).
    [{ from: '0001-01-01', to: '0001-01-02' }, 'from'],
    [{ from: '0000-01-01', to: '0000-01-02' }, 'from'],
    [{ from: '9999-12-31T23:59:59Z', interval: '1d' }, 'from'],
    [{ from: '2026-11-29', to: '+275760-09-13' }, 'to'],
  ])('refuses %j with a 400 naming %s', async (query, field) => {
    const res = await kpis(query as Record<string, string>).expect(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toMatch(new RegExp(`^${field}: `));
  });

  it('is for supervisors and admins: an agent gets 403, no token 401', async () => {
    await kpis({}, 'admin').expect(200);
    const res = await kpis({}, 'agent').expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await request(t.app).get('/api/analytics/kpis').expect(401);
    await request(t.app).get('/api/analytics/realtime').set('Authorization', auth('agent')).expect(403);
  });
});
