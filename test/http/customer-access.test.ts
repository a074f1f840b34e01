import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
const HOUR = 3600_000;

const api = () => request(t.app);
const as = (sub: string, role: 'agent' | 'supervisor' | 'admin' | 'service' = 'agent') => `Bearer ${t.token(role, sub)}`;
const serviceWith = (...scopes: string[]) => `Bearer ${signToken(TEST_CONFIG.jwt.secret, { sub: 'crm-sync', role: 'service', scopes })}`;

/** The four reads of a customer an agent's desktop makes. */
const reads = (auth: string, id = 'c-access') => ({
  profile: () => api().get(`/api/customers/${id}`).set('Authorization', auth),
  byPhone: () => api().get('/api/customers').query({ phone: '0501110001' }).set('Authorization', auth),
  timeline: () => api().get(`/api/customers/${id}/timeline`).set('Authorization', auth),
  consents: () => api().get(`/api/customers/${id}/consents`).set('Authorization', auth),
});
async function statuses(auth: string) {
  const r = reads(auth);
  return Promise.all([r.profile(), r.byPhone(), r.timeline(), r.consents()].map(async (p) => {
    const res = await p;
    return res.status === 403 ? res.body.error.code : res.status;
  }));
}

/** A call from the customer that the agent accepts and that then ends; returns the call id. */
async function servedCall(agentId: string, account: string) {
  const p = { CallSid: newCallSid(), From: '0501110001', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: account }).expect(200);
  await api().put(`/api/agents/${agentId}/status`).set('Authorization', as(agentId)).send({ status: 'available' }).expect(200);
  await t.services.routing.dispatch();
  const offer = await t.db.prisma.reservation.findFirstOrThrow({ where: { agentId, status: 'pending' } });
  // Offered: the pop shows the caller, so the agent may read them already.
  expect(await statuses(as(agentId))).toEqual([200, 200, 200, 200]);
  await api().post(`/api/reservations/${offer.id}/accept`).set('Authorization', as(agentId)).expect(200);
  t.clock.now = new Date(t.clock.now.getTime() + 5 * 60_000);
  await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '300' }).expect(204);
  // Wrap-up over, signed out: nothing of the call left open.
  await t.db.prisma.agent.update({ where: { id: agentId }, data: { state: 'offline', activeCount: 0, wrapUpUntil: null } });
  return (await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } })).id;
}

let saraCall: string;
let hudaCall: string;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  await t.services.rules.addQueue('billing', {});
  for (const id of ['sara', 'huda', 'omar']) {
    await t.services.agents.upsert(id, { name: id, skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: `client-${id}` });
  }
  await t.services.customers.upsert({ id: 'c-access', name: 'Access Tested', phones: ['+966501110001'], language: 'ar', tier: 'gold' });
  saraCall = await servedCall('sara', '11112222');
  t.clock.now = new Date(t.clock.now.getTime() + 2 * HOUR);
  hudaCall = await servedCall('huda', '33334444');
  // Two whole calls through the IVR, routing and the bridge: slow on a loaded machine.
}, 240_000);
afterAll(async () => {
  await t?.close();
  await twilioApi?.close();
});

describe('who may read a customer', () => {
  it('lets an agent who served the customer read them, and refuses one who never did with NOT_YOUR_CUSTOMER', async () => {
    expect(await statuses(as('sara'))).toEqual([200, 200, 200, 200]);
    expect(await statuses(as('omar'))).toEqual(['NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER']);
    const refused = await reads(as('omar')).profile();
    expect(refused.body.error.message).toMatch(/24 h/);
    expect(JSON.stringify(refused.body)).not.toContain('Access Tested');
    // A customer that does not exist is refused the same way: an agent cannot probe for ids.
    expect((await reads(as('omar'), 'c-nobody').profile()).status).toBe(403);
  });

  it('hides the IVR inputs of calls the reading agent never handled', async () => {
    const items = (await reads(as('huda')).timeline().expect(200)).body.items as Array<{ callId?: string; call?: { inputsHidden?: boolean; steps: Array<{ input: string | null }> } }>;
    const own = items.find((i) => i.callId === hudaCall)!;
    const other = items.find((i) => i.callId === saraCall)!;
    expect(own.call!.steps.map((s) => s.input)).toContain('33334444');
    expect(own.call!.inputsHidden).toBeUndefined();
    expect(other.call!.inputsHidden).toBe(true);
    expect(other.call!.steps.every((s) => s.input === null)).toBe(true);
    expect(JSON.stringify(items)).not.toContain('11112222');
    // A supervisor sees every input.
    const all = JSON.stringify((await reads(as('sue', 'supervisor')).timeline().expect(200)).body);
    expect(all).toContain('11112222');
  });

  it('closes an agent\'s window AGENT_ACCESS_HOURS (24 h) after their last call with the customer', async () => {
    // Sara's call ended 2 h before Huda's: 23 h after Huda's, Sara is at 25 h.
    t.clock.now = new Date(t.clock.now.getTime() + 23 * HOUR);
    expect(await statuses(as('huda'))).toEqual([200, 200, 200, 200]);
    expect(await statuses(as('sara'))).toEqual(['NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER']);
    t.clock.now = new Date(t.clock.now.getTime() + 2 * HOUR);
    expect(await statuses(as('huda'))).toEqual(['NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER', 'NOT_YOUR_CUSTOMER']);
  });

  it('lets supervisors and admins read every customer, and only admins export', async () => {
    expect(await statuses(as('sue', 'supervisor'))).toEqual([200, 200, 200, 200]);
    expect(await statuses(as('ann', 'admin'))).toEqual([200, 200, 200, 200]);
    expect((await api().get('/api/customers/c-access/export').set('Authorization', as('sue', 'supervisor'))).status).toBe(403);
    expect((await api().get('/api/customers/c-access/export').set('Authorization', as('ann', 'admin'))).status).toBe(200);
  });

  it('lets a service token read what its scope names, and nothing else (MISSING_SCOPE)', async () => {
    expect(await statuses(serviceWith())).toEqual(['MISSING_SCOPE', 'MISSING_SCOPE', 'MISSING_SCOPE', 200]);
    expect(await statuses(serviceWith('customers:read'))).toEqual([200, 200, 'MISSING_SCOPE', 200]);
    expect(await statuses(serviceWith('customers:read', 'timeline:read'))).toEqual([200, 200, 200, 200]);
    expect((await api().get('/api/customers/c-access/export').set('Authorization', serviceWith('customers:read', 'timeline:read'))).status).toBe(403);
  });
});

describe('GET /api/audit/access', () => {
  it('tells an admin who read the customer, when, through which endpoint — refusals and screen pops included — newest first, a page at a time', async () => {
    const admin = as('ann', 'admin');
    const res = await api().get('/api/audit/access').query({ customerId: 'c-access', limit: 200 }).set('Authorization', admin).expect(200);
    const items = res.body.items as Array<{ at: string; actor: string; role: string; customerId: string; resource: string; endpoint: string; onBehalfOf: string | null; outcome: string }>;
    const times = items.map((i) => i.at);
    expect(times).toEqual([...times].sort().reverse());
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'sara', role: 'agent', resource: 'profile', endpoint: 'GET /api/customers/:id', outcome: 'allowed' }),
        expect.objectContaining({ actor: 'sara', role: 'agent', resource: 'profile', endpoint: 'GET /api/customers?phone=', outcome: 'allowed' }),
        expect.objectContaining({ actor: 'omar', role: 'agent', resource: 'timeline', endpoint: 'GET /api/customers/:id/timeline', outcome: 'refused' }),
        expect.objectContaining({ actor: 'system:screenpop', role: 'system', resource: 'pop', endpoint: 'screen_pop', onBehalfOf: 'sara', outcome: 'allowed' }),
        expect.objectContaining({ actor: 'system:screenpop', resource: 'pop', onBehalfOf: 'huda' }),
        expect.objectContaining({ actor: 'ann', role: 'admin', resource: 'export', endpoint: 'GET /api/customers/:id/export', outcome: 'allowed' }),
        expect.objectContaining({ actor: 'crm-sync', role: 'service', resource: 'timeline', outcome: 'refused' }),
      ]),
    );
    expect(items.every((i) => i.customerId === 'c-access')).toBe(true);

    const byOmar = (await api().get('/api/audit/access').query({ actor: 'omar' }).set('Authorization', admin).expect(200)).body.items;
    expect(byOmar.length).toBeGreaterThan(0);
    expect(byOmar.every((i: { actor: string; outcome: string }) => i.actor === 'omar' && i.outcome === 'refused')).toBe(true);

    // Paging: every entry once, in the same order.
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; nextCursor: string | null } = (
        await api().get('/api/audit/access').query({ customerId: 'c-access', limit: 7, ...(cursor ? { cursor } : {}) }).set('Authorization', admin).expect(200)
      ).body;
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(items);
  });

  it('is for admins only, and refuses a cursor it did not issue with a 400 naming cursor', async () => {
    for (const role of ['agent', 'supervisor', 'service'] as const) expect((await api().get('/api/audit/access').set('Authorization', as('x', role))).status).toBe(403);
    const bad = await api().get('/api/audit/access').query({ cursor: 'not-a-cursor' }).set('Authorization', as('ann', 'admin'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^cursor/);
  });
});
