import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let sara: AgentSocket | undefined;
const MINUTE = 60_000;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  server = await startHttpServer(t);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.customers.upsert({
    id: 'c-layla',
    name: 'ليلى الحربي',
    phones: ['+966501112233', '+966551112233'],
    language: 'ar',
    tier: 'gold',
    accountValue: { amount: 9500.5, currency: 'SAR' },
    externalRef: 'CRM-77',
  });
  await t.services.customers.upsert({ id: 'c-other', name: 'Omar Other', phones: ['+966509998877'], language: 'en', tier: 'standard' });
});
afterAll(async () => {
  await sara?.close();
  await server?.close();
  await t?.close();
  await twilioApi?.close();
});

const exportOf = (id: string, role: 'admin' | 'supervisor' | 'agent' | 'service' = 'admin') =>
  request(t.app).get(`/api/customers/${id}/export`).set('Authorization', `Bearer ${t.token(role)}`);

/** A known Arabic caller presses 1 (billing) and keys an account number: queued for billing. */
async function billingCall(from: string, account: string) {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: account }).expect(200);
  return { p, callId: (await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } })).id };
}

describe('GET /api/customers/:id/export', () => {
  it('gives an admin everything held about the customer in one readable document, and nothing about anyone else', async () => {
    const admin = { Authorization: `Bearer ${t.token('admin')}` };
    t.clock.now = new Date('2026-11-29T07:00:00Z');
    await request(t.app).put('/api/customers/c-layla/consents').set(admin).send({ purpose: 'call_recording', granted: true, channel: 'ivr', textVersion: 'v1' }).expect(201);
    t.clock.now = new Date('2026-11-29T07:01:00Z');
    await request(t.app).put('/api/customers/c-layla/consents').set(admin).send({ purpose: 'call_recording', granted: false, channel: 'web', textVersion: 'v2' }).expect(201);
    const at = (minutesAgo: number) => new Date(t.clock.now.getTime() - minutesAgo * MINUTE);
    await t.services.interactions.record({ idempotencyKey: 'x-wa', customerId: 'c-layla', phoneE164: null, channel: 'whatsapp', type: 'message', at: at(60), summary: 'Asked about the late fee', text: 'Why was I charged a late fee in October?', sentiment: { label: 'negative', score: -0.6 } });
    await t.services.interactions.record({ idempotencyKey: 'x-mail', customerId: 'c-layla', phoneE164: null, channel: 'email', type: 'complaint', status: 'open', at: at(120), summary: 'Complained about billing', text: 'Second time this happens.' });
    await t.services.interactions.record({ idempotencyKey: 'x-other', customerId: 'c-other', phoneE164: null, channel: 'email', type: 'message', at: at(30), summary: 'Omar wrote in', text: 'Omar secret text' });
    const other = await billingCall('+966509998877', '55554444');
    // Omar hangs up before anyone is free: the only pop Sara gets is Layla's.
    await postTwilio(t.app, '/webhooks/twilio/status', { ...other.p, CallStatus: 'completed', CallDuration: '30' }).expect(204);

    sara = await connectAgent(server.url, t.token('agent', 'sara'));
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result' && m.for === 'status');
    t.clock.now = new Date('2026-11-29T07:05:00Z');
    const { callId } = await billingCall('0501112233', '12345678');
    const pop = await sara.next((m) => m.type === 'screen_pop' && m.call.id === callId);
    sara.send({ type: 'ack', id: pop.id });
    await expect.poll(async () => (await t.db.prisma.agentMessage.findFirstOrThrow({ where: { id: pop.id } })).ackedAt).not.toBeNull();

    t.clock.now = new Date('2026-11-29T08:00:00Z');
    const res = await exportOf('c-layla');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // One document a person can read: indented, not one long line.
    expect(res.text.split('\n').length).toBeGreaterThan(50);
    const doc = JSON.parse(res.text);

    expect(doc.exportedAt).toBe('2026-11-29T08:00:00.000Z');
    expect(Object.keys(doc.about)).toEqual(expect.arrayContaining(['profile', 'phones', 'consents', 'timeline', 'calls']));
    expect(doc.profile).toMatchObject({ name: 'ليلى الحربي', language: 'ar', tier: 'gold', accountValue: { amount: 9500.5, currency: 'SAR' }, externalRef: 'CRM-77' });
    expect(doc.profile.createdAt).toEqual(expect.any(String));
    expect(doc.profile.updatedAt).toEqual(expect.any(String));
    expect(doc.phones).toEqual(['+966501112233', '+966551112233']);
    expect(doc.consents).toEqual([
      { purpose: 'call_recording', granted: true, at: '2026-11-29T07:00:00.000Z', channel: 'ivr', textVersion: 'v1', recordedBy: 'test-admin' },
      { purpose: 'call_recording', granted: false, at: '2026-11-29T07:01:00.000Z', channel: 'web', textVersion: 'v2', recordedBy: 'test-admin' },
    ]);

    // The timeline: newest first, texts included, on every channel it happened on.
    const times = doc.timeline.map((i: { at: string }) => i.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(doc.timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'whatsapp', type: 'message', summary: 'Asked about the late fee', text: 'Why was I charged a late fee in October?', sentiment: { label: 'negative', score: -0.6 } }),
        expect.objectContaining({ channel: 'email', type: 'complaint', status: 'open', summary: 'Complained about billing', text: 'Second time this happens.' }),
        expect.objectContaining({ channel: 'voice', callId }),
      ]),
    );
    expect(doc.timeline.filter((i: { type: string }) => i.type === 'consent')).toHaveLength(2);

    // The call with its IVR steps, its events and the pop Sara saw.
    expect(doc.calls).toHaveLength(1);
    const [call] = doc.calls;
    expect(call).toMatchObject({ id: callId, provider: 'twilio', from: '+966501112233', to: '+966920000000', language: 'ar', status: 'queued', queue: 'billing', intent: 'billing', startedAt: '2026-11-29T07:05:00.000Z' });
    expect(call.providerCallId).toMatch(/^CA/);
    expect(call.ivrSteps.map((s: { seq: number }) => s.seq)).toEqual([0, 1, 2]);
    expect(call.ivrSteps.map((s: { input: string | null }) => s.input)).toEqual([null, '1', '12345678']);
    expect(call.ivrSteps[0]).toEqual({ seq: 0, nodeId: expect.any(String), input: null, result: expect.any(String), at: expect.any(String) });
    expect(call.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['pop_sent', 'pop_delivered']));
    expect(call.screenPops).toHaveLength(1);
    expect(call.screenPops[0]).toMatchObject({ agentId: 'sara', sentAt: expect.any(String), ackedAt: expect.any(String) });
    expect(call.screenPops[0].payload).toMatchObject({
      call: { id: callId, queue: 'billing' },
      customer: { id: 'c-layla', name: 'ليلى الحربي', known: true },
      ivr: { inputs: { account: '12345678' } },
    });

    // Nothing of Omar: not his name, number, texts, call or account number.
    for (const trace of ['Omar', '966509998877', 'secret text', other.callId, other.p.CallSid, '55554444', 'c-other']) expect(res.text).not.toContain(trace);
  });

  it('exports a long history whole, newest first, each entry once (read and sent a page at a time)', async () => {
    await t.services.customers.upsert({ id: 'c-long', name: 'Long History', phones: [], language: 'en', tier: 'standard' });
    const base = new Date('2026-11-01T00:00:00Z').getTime();
    // Many entries share a timestamp, so paging must not skip or repeat ties.
    await t.db.prisma.interaction.createMany({
      data: Array.from({ length: 1203 }, (_, i) => ({
        idempotencyKey: `long-${i}`,
        customerId: 'c-long',
        channel: i % 2 ? 'sms' : 'email',
        type: 'message',
        at: new Date(base + (i % 7) * MINUTE),
        summary: `entry ${i}`,
        text: `text ${i}`,
      })),
    });
    const res = await exportOf('c-long');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text);
    expect(doc.timeline).toHaveLength(1203);
    expect(new Set(doc.timeline.map((i: { summary: string }) => i.summary)).size).toBe(1203);
    const times = doc.timeline.map((i: { at: string }) => i.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(doc.calls).toEqual([]);
    expect(doc.consents).toEqual([]);
  });

  it('answers 404 for an unknown customer and 400 for a malformed id', async () => {
    const res = await exportOf('ghost');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    const bad = await exportOf('bad%20id');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^id:/);
  });

  it.each(['supervisor', 'agent', 'service'] as const)('refuses a %s with 403 and sends nothing of the customer', async (role) => {
    const res = await exportOf('c-layla', role);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(res.text).not.toContain('ليلى');
  });

  it('refuses a request without a token with 401', async () => {
    expect((await request(t.app).get('/api/customers/c-layla/export')).status).toBe(401);
  });
});
