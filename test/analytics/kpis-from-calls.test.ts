import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  for (const n of [1, 2, 3]) await t.services.customers.upsert({ id: `c-${n}`, name: `Caller ${n}`, phones: [`+96650000000${n}`], language: 'en', tier: 'standard' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 2 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});

const api = () => request(t.app);
const supervisor = () => `Bearer ${t.token('supervisor')}`;
const wait = (seconds: number) => {
  t.clock.now = new Date(t.clock.now.getTime() + seconds * 1000);
};

/** A caller who presses 2 (support) and waits in the queue. */
async function supportCall(from: string) {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  expect(queued.text).toContain('<Enqueue');
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  return { params: p, callId: call.id };
}
const hangUp = (params: Record<string, string>, seconds: number) =>
  postTwilio(t.app, '/webhooks/twilio/status', { ...params, CallStatus: 'completed', CallDuration: String(seconds) }).expect(204);

describe('KPIs of calls driven through the Twilio webhooks', () => {
  it('counts an answered call, a short abandon and an abandon, with ASA, service level, handle time, FCR and occupancy', async () => {
    // 10:00:00 Riyadh: Sara signs in.
    await api().put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'available' }).expect(200);
    wait(60);

    // Omar's call: offered to Sara, accepted after 8 s, 120 s of talk, 30 s of wrap-up, resolved.
    const omar = await supportCall('+966551112233');
    await t.services.routing.dispatch();
    const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
    wait(8);
    await api().post(`/api/reservations/${offer!.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
    wait(120);
    await hangUp(omar.params, 128);
    wait(10);
    const wrap = await api()
      .post(`/api/calls/${omar.callId}/wrapup`)
      .set('Authorization', `Bearer ${t.token('agent', 'sara')}`)
      .send({ disposition: 'billing_question', notes: 'explained the invoice', resolved: true });
    expect(wrap.status).toBe(201);
    wait(20);
    await api().put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('agent', 'sara')}`).send({ status: 'away', reason: 'break' }).expect(200);

    // Two other callers while Sara is away: one hangs up after 3 s (short), one after 40 s.
    const short = await supportCall('+966500000001');
    wait(3);
    await hangUp(short.params, 3);
    const long = await supportCall('+966500000002');
    wait(40);
    await hangUp(long.params, 40);

    await t.services.analytics.refresh();
    const res = await api().get('/api/analytics/kpis').query({ from: '2026-11-29', to: '2026-11-30', interval: '1h' }).set('Authorization', supervisor());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-11-29T00:00:00+03:00', to: '2026-11-30T00:00:00+03:00', interval: '1h' });
    expect(res.body.totals).toEqual({
      offered: 3,
      answered: 1,
      abandoned: 1,
      abandonmentRate: 0.5,
      asaSeconds: 8,
      ahtSeconds: 150,
      serviceLevel: 0.5,
      // Signed in 10:00:00, away at 10:03:38: 158 s on the offer, the call and its wrap-up.
      occupancy: Math.round((158 / 218) * 10_000) / 10_000,
      fcr: 1,
      csat: null,
      nps: null,
    });
    expect(res.body.series).toHaveLength(24);
    const ten = res.body.series.find((p: { start: string }) => p.start === '2026-11-29T10:00:00+03:00');
    expect(ten).toMatchObject({ offered: 3, answered: 1 });
    expect(res.body.series.filter((p: { offered: number }) => p.offered > 0)).toHaveLength(1);

    const sara = await api().get('/api/analytics/kpis').query({ from: '2026-11-29', to: '2026-11-30', interval: '1d', agent: 'sara' }).set('Authorization', supervisor());
    expect(sara.body.totals).toMatchObject({ offered: 1, answered: 1, abandoned: 0, asaSeconds: 8, ahtSeconds: 150, fcr: 1 });

    // The wrap-up is on the call's timeline entry.
    const timeline = await api().get('/api/customers/c-omar/timeline').set('Authorization', `Bearer ${t.token('admin')}`).expect(200);
    const entry = timeline.body.items.find((i: { callId?: string }) => i.callId === omar.callId);
    expect(entry.call.events).toContainEqual(expect.objectContaining({ type: 'wrapup', disposition: 'billing_question', resolved: 'true', agentId: 'sara' }));
  });

  it('shows the live queues and agents by state', async () => {
    const waiting = await supportCall('+966500000003');
    wait(12);
    const res = await api().get('/api/analytics/realtime').set('Authorization', supervisor()).expect(200);
    const support = res.body.queues.find((q: { queue: string }) => q.queue === 'support');
    expect(support).toMatchObject({ waiting: 1, oldestWaitSeconds: 12, serviceLevelToday: 0.5, serviceLevelSeconds: 20, offeredToday: 3, answeredToday: 1, abandonedToday: 1 });
    expect(res.body.agents.byState).toMatchObject({ away: 1, available: 0 });
    expect(res.body.agents.list).toEqual([expect.objectContaining({ id: 'sara', state: 'away', reason: 'break' })]);
    await hangUp(waiting.params, 12);
  });
});
