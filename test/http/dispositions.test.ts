import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_DISPOSITIONS } from '../../src/demo/dispositions.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
type Role = 'agent' | 'supervisor' | 'admin';
const put = (body: unknown, role: Role = 'admin') => request(t.app).put('/api/dispositions').set('Authorization', `Bearer ${t.token(role)}`).send(body as object);
const get = (query = '', role: Role = 'agent') => request(t.app).get(`/api/dispositions${query}`).set('Authorization', `Bearer ${t.token(role)}`);
const wrapUp = (callId: string, body: unknown, sub = 'sara') =>
  request(t.app).post(`/api/calls/${callId}/wrapup`).set('Authorization', `Bearer ${t.token('agent', sub)}`).send(body as object);

const billingExplained = { code: 'bill_explained', label: { ar: 'تم توضيح الفاتورة', en: 'Bill explained' }, queues: ['billing'] };
const fixedOnCall = { code: 'fixed_on_call', label: { ar: 'حُلّت المشكلة', en: 'Fixed on the call' }, queues: ['support'] };
const general = { code: 'general_enquiry', label: { ar: 'استفسار عام', en: 'General enquiry' } };

/** A call that waited in `queue` and that `agentId` took. */
async function answeredCall(id: string, queue: string, agentId = 'sara') {
  const at = new Date('2026-11-29T07:00:00Z');
  await t.db.prisma.call.create({ data: { id, provider: 'twilio', providerCallId: `CA${id}`, fromRaw: '+966500000000', flowName: 'main', flowVersion: 1, language: 'ar', session: {}, status: 'completed', startedAt: at } });
  await t.db.prisma.queueEntry.create({
    data: { callId: id, queue, priority: 10, enqueuedAt: at, status: 'done', ruleVersion: 0, rule: 'default', decision: {}, context: {}, agentId, assignedAt: at, outcome: 'assigned' },
  });
}

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const q of ['billing', 'support', 'sales', 'general', 'priority', 'complaints', 'crisis']) await t.services.rules.addQueue(q, {});
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.prisma.dispositionCode.deleteMany({});
});

describe('PUT /api/dispositions', () => {
  it('replaces the whole list and answers it as stored, in the order given', async () => {
    const first = await put({ codes: [billingExplained, general] }).expect(200);
    expect(first.body).toEqual({ codes: [billingExplained, general] });
    const second = await put({ codes: [general, fixedOnCall] }).expect(200);
    expect(second.body).toEqual({ codes: [general, fixedOnCall] });
    expect((await get().expect(200)).body).toEqual({ codes: [general, fixedOnCall] });
    // An empty list turns the check off again.
    expect((await put({ codes: [] }).expect(200)).body).toEqual({ codes: [] });
    expect((await get().expect(200)).body).toEqual({ codes: [] });
  });

  it('trims labels and drops a queue named twice', async () => {
    const res = await put({ codes: [{ code: 'x', label: { ar: '  س ', en: ' X ' }, queues: ['billing', 'billing'] }] }).expect(200);
    expect(res.body.codes).toEqual([{ code: 'x', label: { ar: 'س', en: 'X' }, queues: ['billing'] }]);
  });

  it('is for admins only: agents and supervisors get 403, no token 401, and the list stays', async () => {
    await put({ codes: [general] }).expect(200);
    for (const role of ['agent', 'supervisor'] as const) {
      const res = await put({ codes: [billingExplained] }, role).expect(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    await request(t.app).put('/api/dispositions').send({ codes: [] }).expect(401);
    expect((await get().expect(200)).body.codes).toEqual([general]);
  });

  it.each([
    [{}, 'codes'],
    [{ codes: 'all' }, 'codes'],
    [{ codes: [{ ...general, code: 'General Enquiry' }] }, 'codes.0.code'],
    [{ codes: [{ ...general, code: 'x'.repeat(41) }] }, 'codes.0.code'],
    [{ codes: [general, { ...general, label: { ar: 'مكرر', en: 'Again' } }] }, 'codes.1.code'],
    [{ codes: [{ code: 'x', label: { en: 'X' } }] }, 'codes.0.label.ar'],
    [{ codes: [{ code: 'x', label: { ar: 'س', en: '   ' } }] }, 'codes.0.label.en'],
    [{ codes: [{ code: 'x', label: { ar: 'س'.repeat(81), en: 'X' } }] }, 'codes.0.label.ar'],
    [{ codes: [{ code: 'x', label: { ar: 'س', en: 'a\u0000b' } }] }, 'codes.0.label.en'],
    [{ codes: [{ code: 'x', label: 'X' }] }, 'codes.0.label'],
    [{ codes: [{ ...general, queues: [] }] }, 'codes.0.queues'],
    [{ codes: [{ ...general, queues: ['Billing Queue'] }] }, 'codes.0.queues.0'],
    [{ codes: [general, { ...billingExplained, queues: ['billing', 'no_such_queue'] }] }, 'codes.1.queues.1'],
    [{ codes: [{ ...general, colour: 'red' }] }, 'codes.0'],
    [{ codes: Array.from({ length: 201 }, (_, i) => ({ code: `c${i}`, label: { ar: 'س', en: 'X' } })) }, 'codes'],
  ])('refuses %j with a 400 naming %s, and keeps the list', async (body, field) => {
    await put({ codes: [general] }).expect(200);
    const res = await put(body).expect(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
    expect((await get().expect(200)).body.codes).toEqual([general]);
  });

  it('takes the demo seed’s list, 200 codes at most', async () => {
    const res = await put(DEMO_DISPOSITIONS).expect(200);
    expect(res.body.codes.map((c: { code: string }) => c.code)).toEqual(DEMO_DISPOSITIONS.codes.map((c) => c.code));
    await put({ codes: Array.from({ length: 200 }, (_, i) => ({ code: `c${i}`, label: { ar: 'س', en: 'X' } })) }).expect(200);
  });
});

describe('GET /api/dispositions', () => {
  it("answers a queue's codes and those for every queue, to agents, supervisors and admins", async () => {
    await put({ codes: [billingExplained, general, fixedOnCall] }).expect(200);
    for (const role of ['agent', 'supervisor', 'admin'] as const) {
      expect((await get('?queue=billing', role).expect(200)).body).toEqual({ codes: [billingExplained, general] });
    }
    expect((await get('?queue=support').expect(200)).body).toEqual({ codes: [general, fixedOnCall] });
    expect((await get('?queue=sales').expect(200)).body).toEqual({ codes: [general] });
    expect((await get().expect(200)).body).toEqual({ codes: [billingExplained, general, fixedOnCall] });
    await request(t.app).get('/api/dispositions').expect(401);
    const bad = await get('?queue=Not%20a%20queue').expect(400);
    expect(bad.body.error.message).toMatch(/^queue: /);
  });
});

describe('wrap-up with disposition codes', () => {
  it("refuses a code the call's queue does not have once codes exist, naming disposition", async () => {
    await answeredCall('d-billing', 'billing');
    await put({ codes: [billingExplained, general, fixedOnCall] }).expect(200);
    for (const disposition of ['fixed_on_call', 'no_such_code']) {
      const res = await wrapUp('d-billing', { disposition, resolved: true }).expect(400);
      expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^disposition: /) });
    }
    expect(await t.db.prisma.callEvent.count({ where: { callId: 'd-billing', type: 'wrapup' } })).toBe(0);
    await wrapUp('d-billing', { disposition: 'bill_explained', notes: 'شرحت الرسوم', resolved: true }).expect(201);
    // Once stored it stays answerable, whatever the list becomes.
    await put({ codes: [fixedOnCall] }).expect(200);
    await wrapUp('d-billing', { disposition: 'bill_explained', notes: 'شرحت الرسوم', resolved: true }).expect(200);
  });

  it('takes any well-formed code while no codes are configured (deployments from before the list)', async () => {
    await answeredCall('d-free', 'support');
    await wrapUp('d-free', { disposition: 'anything_goes', resolved: false }).expect(201);
  });
});
