import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceBiometrics } from '../../src/biometrics/voice-types.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const MINUTE = 60_000;

/** The vendor side: remembers enrolments, confirms a deletion only when told to. */
function fakeVoice() {
  const enrolled = new Set<string>(['c-7301']);
  const calls: Array<{ customerId: string; reason: string }> = [];
  let confirm = false;
  const voice: Pick<VoiceBiometrics, 'forget'> = {
    async forget(customerId, reason) {
      calls.push({ customerId, reason });
      if (!enrolled.has(customerId)) return { speakerId: null, deleted: false };
      if (!confirm) return { speakerId: `spk-${customerId}`, deleted: false };
      enrolled.delete(customerId);
      return { speakerId: `spk-${customerId}`, deleted: true };
    },
  };
  return { voice: voice as VoiceBiometrics, calls, enrolled, confirmNext: () => (confirm = true) };
}
const vendor = fakeVoice();

// Every trace of Nadia that must be gone: her name (both scripts), both numbers in any
// format, her CRM reference, every text and summary she wrote or we wrote about her, the
// account number she keyed, the provider id of her ended call.
const NEEDLES = ['Nadia', 'نادية', 'القحطاني', '501230001', '551230002', 'CRM-ERASE-991', 'MARKER-TXT', 'MARKER-SUM', '98765432'];

/**
 * Where the customer's id (never their name, number or words) is kept on purpose: who read
 * them (the access log is the accountability record), the proof of the erasure, and the
 * voiceprint bookkeeping that must outlive the erasure until the vendor confirms deletion.
 * Any other table holding the id after an erasure fails the walk: its module needs an
 * erasure part (src/privacy/erase-customer.ts).
 */
const KEEP_CUSTOMER_ID = new Set(['AccessLogEntry.customerId', 'ErasureReceipt.customerId', 'Voiceprint.customerId', 'VoiceprintAudit.customerId']);

const admin = () => `Bearer ${t.token('admin')}`;
const api = () => request(t.app);
const available = (agentId: string) =>
  api().put(`/api/agents/${agentId}/status`).set('Authorization', `Bearer ${t.token('agent', agentId)}`).send({ status: 'available' }).expect(200);

async function startCall(from: string) {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  return p;
}
const callOf = (sid: string) => t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: sid } });

/**
 * Every text-like column of every table in the test's schema (information_schema, so a
 * table added later is searched too), and the rows holding any of the needles.
 */
async function traces(needles: string[], customerId?: string): Promise<string[]> {
  const columns = await t.db.prisma.$queryRaw<Array<{ table_name: string; column_name: string }>>`
    SELECT table_name, column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')
    ORDER BY table_name, column_name`;
  expect(columns.length).toBeGreaterThan(20);
  const hits: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const id = customerId && !KEEP_CUSTOMER_ID.has(`${table}.${column}`) ? [customerId] : [];
    const patterns = [...needles, ...id].map((n) => `%${n}%`);
    const rows = await t.db.prisma.$queryRawUnsafe<Array<{ value: string }>>(
      `SELECT "${column}"::text AS value FROM "${table}" WHERE "${column}"::text ILIKE ANY($1::text[])`,
      patterns,
    );
    for (const r of rows) hits.push(`${table}.${column}: ${r.value.slice(0, 200)}`);
  }
  return hits;
}

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  Object.assign(t.services.biometrics, { voice: vendor.voice });
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3, support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: { billing: 3, support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
  await t.services.customers.upsert({ id: 'c-keep', name: 'Kareem Kept', phones: ['+966509990000'], language: 'en', tier: 'standard' });
});
afterAll(async () => {
  await t?.close();
  await twilioApi?.close();
});

describe('DELETE /api/customers/:id', () => {
  it('leaves no trace of the customer in any table, keeps the anonymous call facts, and a caller from her number is unknown', async () => {
    const service = { Authorization: `Bearer ${t.token('service')}` };
    // Before she was a customer, a text message from her number.
    await api().post('/api/interactions').set(service).send({ phone: '0551230002', channel: 'sms', type: 'message', at: '2026-11-01T09:00:00Z', summary: 'MARKER-SUM sms', text: 'MARKER-TXT unknown sms', idempotencyKey: 'sms-before' }).expect(201);
    await api()
      .put('/api/customers/c-7301')
      .set('Authorization', admin())
      .send({ name: 'نادية القحطاني Nadia', phones: ['0501230001', '+966551230002'], language: 'ar', tier: 'gold', accountValue: { amount: 777777.77, currency: 'SAR' }, externalRef: 'CRM-ERASE-991' })
      .expect(201);
    // Her history on every channel.
    for (const [i, channel] of ['voice', 'chat', 'email', 'whatsapp', 'sms', 'social', 'branch'].entries()) {
      await api()
        .post('/api/interactions')
        .set(service)
        .send({ customerId: 'c-7301', channel, type: i === 2 ? 'complaint' : 'message', status: i === 2 ? 'resolved' : undefined, at: `2026-11-2${i}T10:00:00Z`, summary: `MARKER-SUM ${channel}`, text: `MARKER-TXT ${channel}: please call me back`, idempotencyKey: `nadia-${channel}` })
        .expect(201);
    }
    await api().put('/api/customers/c-7301/consents').set('Authorization', admin()).send({ purpose: 'voice_biometrics', granted: true, channel: 'ivr', textVersion: 'v1' }).expect(201);
    await api().put('/api/customers/c-7301/pin').set('Authorization', admin()).send({ pin: '4321' }).expect(204);

    // Call A: billing with her account number, offered to Sara (a pop), accepted, ended.
    const a = await startCall('0501230001');
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...a, Digits: '1' }).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...a, Digits: '98765432' }).expect(200);
    await available('sara');
    await t.services.routing.dispatch();
    const offerA = await t.db.prisma.reservation.findFirstOrThrow({ where: { agentId: 'sara', status: 'pending' } });
    await api().post(`/api/reservations/${offerA.id}/accept`).set('Authorization', `Bearer ${t.token('agent', 'sara')}`).expect(200);
    t.clock.now = new Date(t.clock.now.getTime() + 3 * MINUTE);
    await postTwilio(t.app, '/webhooks/twilio/status', { ...a, CallStatus: 'completed', CallDuration: '180' }).expect(204);
    const callA = await callOf(a.CallSid);
    // Supervisors were alerted about her: an angry message from a high-value customer, and fraud suspected on call A.
    await api().post('/api/interactions').set(service).send({ customerId: 'c-7301', channel: 'whatsapp', type: 'complaint', at: '2026-11-28T10:00:00Z', summary: 'MARKER-SUM angry', text: 'MARKER-TXT this is terrible, the worst service, I am very angry', idempotencyKey: 'nadia-angry' }).expect(201);
    await t.services.bus.publish('supervisor.alert', { type: 'fraud_suspected', at: t.clock.now.toISOString(), callId: callA.id, queue: 'billing', reason: 'watchlist' });
    await t.settle();
    const alerted = async () => ((await api().get('/api/supervisor/live').set('Authorization', admin()).expect(200)).body.messages[1].items as Array<{ id: string }>).map((x) => x.id);
    expect(await alerted()).toEqual(expect.arrayContaining(['negative_sentiment:c-7301', `fraud_suspected:${callA.id}`]));
    // Call B: support, waiting in line (Sara is wrapping up, Huda signed out) — in flight.
    const b = await startCall('+966551230002');
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...b, Digits: '2' }).expect(200);
    // Call C: still in the IVR, greeted by name.
    const c = await startCall('0501230001');
    const callC = await callOf(c.CallSid);
    expect(callC.customerId).toBe('c-7301');
    // Kareem's call and entry: untouched by her erasure.
    await api().post('/api/interactions').set(service).send({ customerId: 'c-keep', channel: 'email', type: 'message', at: '2026-11-20T10:00:00Z', summary: 'Kareem asked', text: 'Kareem text', idempotencyKey: 'kareem-1' }).expect(201);
    expect((await traces(NEEDLES)).length).toBeGreaterThan(20);
    const agentMessagesBefore = await t.db.prisma.agentMessage.count({ where: { type: 'screen_pop' } });
    expect(agentMessagesBefore).toBe(1);

    const res = await api().delete('/api/customers/c-7301').set('Authorization', admin());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      customerId: 'c-7301',
      erasedAt: t.clock.now.toISOString(),
      erasedBy: 'test-admin',
      erased: {
        profile: 1,
        phones: 2,
        calls: 3,
        ivrSteps: expect.any(Number),
        // seven channels, the angry message, the sms from before she was a customer, the consent entry, three calls
        interactions: 13,
        callEvents: expect.any(Number),
        screenPops: 1,
        queueEntries: 2,
        consents: 1,
        pin: 1,
        surveySessions: 0,
        surveyResponses: 0,
        // recomputed from her timeline as it grew
        experienceScore: 1,
        // the supervisors' alerts about her and her call
        supervisorAlerts: 2,
      },
      // The vendor has not confirmed yet: retried until it does.
      voiceprint: 'pending',
      pending: ['voiceprint'],
    });
    expect(res.body.erased.ivrSteps).toBeGreaterThanOrEqual(5);
    expect(res.body.erased.callEvents).toBeGreaterThanOrEqual(2);
    expect(vendor.calls).toEqual([{ customerId: 'c-7301', reason: 'erasure' }]);

    // The calls in flight go on, anonymously: C leaves the IVR for support (its memo of Nadia
    // is gone, so it is not routed or popped as her), and both reach Huda as an unknown caller.
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...c, Digits: '2' }).expect(200);
    await available('huda');
    await t.services.routing.dispatch();
    const popForHuda = await t.db.prisma.agentMessage.findFirstOrThrow({ where: { agentId: 'huda', type: 'screen_pop' } });
    expect(popForHuda.payload).toMatchObject({ customer: { known: false, name: null }, accountValue: null });
    // Her number calls again: an unknown caller.
    const d = await startCall('0501230001');
    expect((await callOf(d.CallSid)).customerId).toBeNull();
    expect((await api().get('/api/customers?phone=0501230001').set('Authorization', admin())).body).toEqual({ items: [] });

    // Not one trace in any table (the new call D holds the number it came from: a new caller).
    await t.db.prisma.interaction.deleteMany({ where: { idempotencyKey: `call:twilio:${d.CallSid}` } });
    await t.db.prisma.call.deleteMany({ where: { providerCallId: d.CallSid } });
    expect(await traces([...NEEDLES, a.CallSid], 'c-7301')).toEqual([]);

    // The anonymous facts stay: three calls, their queues, times and durations, the queue entries, the timeline facts.
    const anon = await t.db.prisma.call.findMany({ where: { id: { in: [callA.id, callC.id] } }, orderBy: { startedAt: 'asc' } });
    expect(anon.map((x) => ({ customerId: x.customerId, fromE164: x.fromE164, queue: x.queue }))).toEqual([
      { customerId: null, fromE164: null, queue: 'billing' },
      { customerId: null, fromE164: null, queue: 'support' },
    ]);
    expect(anon[0]).toMatchObject({ durationSeconds: 180, endStatus: 'completed', startedAt: callA.startedAt, intent: 'billing' });
    expect(anon[0]!.providerCallId).toBe(`erased:${callA.id}`);
    expect((anon[0]!.session as { path: string[] }).path).toEqual(expect.arrayContaining(['main', 'account']));
    const entries = await t.db.prisma.queueEntry.findMany({ where: { callId: { in: [callA.id, callC.id] } } });
    expect(entries.map((e) => [e.queue, e.customerId, e.agentId !== null || e.status === 'waiting' || e.status === 'offered'])).toEqual(
      expect.arrayContaining([['billing', null, true]]),
    );
    expect(await t.db.prisma.interaction.count({ where: { customerId: null, phoneE164: null, idempotencyKey: { startsWith: 'erased:' } } })).toBe(13);
    // No longer listed for supervisors.
    expect((await alerted()).filter((id) => id.includes('c-7301') || id === `fraud_suspected:${callA.id}`)).toEqual([]);
    expect(await t.db.prisma.consent.count()).toBe(0);
    expect(await t.db.prisma.customerPin.count()).toBe(0);
    // Kareem is whole.
    expect(await t.db.prisma.interaction.findFirstOrThrow({ where: { idempotencyKey: 'api:kareem-1' } })).toMatchObject({ customerId: 'c-keep', text: 'Kareem text' });
    expect(await t.services.customers.get('c-keep')).toMatchObject({ name: 'Kareem Kept', phones: ['+966509990000'] });
  });

  it('answers the same receipt when repeated, and asks the vendor again until it confirms the voiceprint is gone', async () => {
    const first = (await api().delete('/api/customers/c-7301').set('Authorization', admin()).expect(200)).body;
    expect(first.voiceprint).toBe('pending');
    vendor.confirmNext();
    // The privacy job's pass asks again; the receipt then says so.
    await t.services.privacy.runRetention(t.clock.now);
    const again = (await api().delete('/api/customers/c-7301').set('Authorization', admin()).expect(200)).body;
    expect(again).toEqual({ ...first, voiceprint: 'erased', pending: [] });
    expect(vendor.enrolled.has('c-7301')).toBe(false);
  });

  it('exports nothing once erased (404), where the export before held everything', async () => {
    await api().put('/api/customers/c-round').set('Authorization', admin()).send({ name: 'Round Trip', phones: ['0507770001'] }).expect(201);
    const before = await api().get('/api/customers/c-round/export').set('Authorization', admin()).expect(200);
    expect(JSON.parse(before.text).profile.name).toBe('Round Trip');
    const receipt = await api().delete('/api/customers/c-round').set('Authorization', admin()).expect(200);
    // Never enrolled: nothing to ask the vendor to delete.
    expect(receipt.body).toMatchObject({ voiceprint: 'none', pending: [], erased: { profile: 1, phones: 1, calls: 0, surveyResponses: 0 } });
    const after = await api().get('/api/customers/c-round/export').set('Authorization', admin());
    expect(after.status).toBe(404);
    expect(after.text).not.toContain('Round Trip');
  });

  it('is for admins only, and 404 for a customer never known', async () => {
    for (const role of ['agent', 'supervisor', 'service'] as const) {
      expect((await api().delete('/api/customers/c-keep').set('Authorization', `Bearer ${t.token(role)}`)).status).toBe(403);
    }
    expect(await t.services.customers.get('c-keep')).toBeDefined();
    const res = await api().delete('/api/customers/nobody-ever').set('Authorization', admin());
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect((await api().delete('/api/customers/bad%20id').set('Authorization', admin())).status).toBe(400);
  });
});
