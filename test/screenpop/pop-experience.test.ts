import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

/**
 * The experience score on the agent's pop. A known caller's stored score is read with the
 * caller at the call's start (one statement), so what the pop shows is the score stored when
 * the call came in; a customer with a timeline and no score yet gets one computed and stored;
 * a first-ever caller gets the formula's starting point.
 */
let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const open: AgentSocket[] = [];
const DAY = 24 * 3600_000;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  server = await startHttpServer(t);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await server.close();
  await t.close();
  await twilioApi.close();
});
beforeEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0 } });
});

async function availableAgent(): Promise<AgentSocket> {
  const s = await connectAgent(server.url, t.token('agent', 'sara'));
  open.push(s);
  await s.next((m) => m.type === 'hello');
  s.send({ type: 'status', status: 'available' });
  await s.next((m) => m.type === 'result' && m.for === 'status');
  return s;
}

/** The caller presses 2 (support) in English and waits for an agent; resolves with Sara's pop. */
async function supportCallPop(s: AgentSocket, from: string): Promise<Record<string, any>> {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
  expect(first.status).toBe(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
  const pop = await s.next((m) => m.type === 'screen_pop' && m.call?.providerCallId === p.CallSid);
  s.send({ type: 'reject', reservationId: pop.reservation.id });
  await s.next((m) => m.type === 'result' && m.for === 'reject');
  return pop;
}

const ago = (days: number) => new Date(t.clock.now.getTime() - days * DAY);

describe("the pop's experience score", () => {
  it('shows the score stored when the call came in, and the new one on the next call after it changed', async () => {
    await t.services.customers.upsert({ id: 'c-hind', name: 'Hind', phones: ['+966501110001'], language: 'en', tier: 'gold' });
    await t.services.interactions.record({ idempotencyKey: 'hind-1', customerId: 'c-hind', phoneE164: null, channel: 'email', type: 'message', at: ago(3), summary: 'Asked for an invoice' });
    t.services.experience.refresh('c-hind');
    await t.services.experience.idle();
    const stored = await t.db.prisma.customerExperience.findUniqueOrThrow({ where: { customerId: 'c-hind' } });

    const s = await availableAgent();
    const pop = await supportCallPop(s, '+966501110001');
    expect(pop.customer).toMatchObject({ id: 'c-hind', known: true });
    expect(pop.experience).toEqual({ score: stored.score, csat: stored.csat, nps: stored.nps, fcr: stored.fcr, openComplaints: 0 });

    // An open complaint lowers her stored score; her next call shows the lower one.
    await t.services.interactions.record({ idempotencyKey: 'hind-2', customerId: 'c-hind', phoneE164: null, channel: 'whatsapp', type: 'complaint', status: 'open', at: ago(1), summary: 'Charged twice' });
    t.services.experience.refresh('c-hind');
    await t.services.experience.idle();
    const lowered = await t.db.prisma.customerExperience.findUniqueOrThrow({ where: { customerId: 'c-hind' } });
    expect(lowered.score).toBeLessThan(stored.score);
    const again = await supportCallPop(s, '+966501110001');
    expect(again.experience).toMatchObject({ score: lowered.score, openComplaints: 1 });
  });

  it('computes and stores the score of a customer with a timeline and no score yet', async () => {
    await t.services.customers.upsert({ id: 'c-fahd', name: 'Fahd', phones: ['+966501110002'], language: 'en', tier: 'silver' });
    await t.services.interactions.record({ idempotencyKey: 'fahd-1', customerId: 'c-fahd', phoneE164: null, channel: 'email', type: 'complaint', status: 'open', at: ago(2), summary: 'No signal at home' });
    expect(await t.db.prisma.customerExperience.count({ where: { customerId: 'c-fahd' } })).toBe(0);

    const s = await availableAgent();
    const pop = await supportCallPop(s, '+966501110002');
    const stored = await t.db.prisma.customerExperience.findUniqueOrThrow({ where: { customerId: 'c-fahd' } });
    expect(pop.experience).toMatchObject({ score: stored.score, openComplaints: 1 });
    expect(stored.score).toBeLessThan(70);
  });

  it("gives a first-ever caller the formula's starting point and stores nothing for them", async () => {
    await t.services.customers.upsert({ id: 'c-reem', name: 'Reem', phones: ['+966501110003'], language: 'en', tier: 'standard' });
    const s = await availableAgent();
    const pop = await supportCallPop(s, '+966501110003');
    expect(pop.experience).toEqual({ score: 70, csat: null, nps: null, fcr: null, openComplaints: 0 });
    expect(await t.db.prisma.customerExperience.count({ where: { customerId: 'c-reem' } })).toBe(0);
  });
});
