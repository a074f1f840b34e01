import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const post = (callId: string, body: unknown, sub = 'sara', role: 'agent' | 'supervisor' = 'agent') =>
  request(t.app).post(`/api/calls/${callId}/wrapup`).set('Authorization', `Bearer ${t.token(role, sub)}`).send(body as object);

async function queuedCall(id: string, agentId: string | null) {
  const at = new Date('2026-11-29T07:00:00Z');
  await t.db.prisma.call.create({ data: { id, provider: 'twilio', providerCallId: `CA${id}`, fromRaw: '+966500000000', flowName: 'main', flowVersion: 1, language: 'ar', session: {}, status: 'completed', startedAt: at } });
  await t.db.prisma.queueEntry.create({
    data: { callId: id, queue: 'support', priority: 10, enqueuedAt: at, status: 'done', ruleVersion: 0, rule: 'default', decision: {}, context: {}, agentId, assignedAt: agentId ? at : null, outcome: agentId ? 'assigned' : 'abandoned' },
  });
}

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await queuedCall('w-answered', 'sara');
  await queuedCall('w-abandoned', null);
});
afterAll(() => t.close());

describe('POST /api/calls/:id/wrapup', () => {
  it("stores the agent's disposition as a wrapup event of the call and marks its KPIs for a new roll-up", async () => {
    const res = await post('w-answered', { disposition: 'billing_resolved', notes: 'شرحت الفاتورة', resolved: true }).expect(201);
    expect(res.body).toEqual({ callId: 'w-answered', agentId: 'sara', disposition: 'billing_resolved', notes: 'شرحت الفاتورة', resolved: true, at: '2026-11-29T07:00:00.000Z' });
    const events = await t.db.prisma.callEvent.findMany({ where: { callId: 'w-answered', type: 'wrapup' } });
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ agentId: 'sara', disposition: 'billing_resolved', notes: 'شرحت الفاتورة', resolved: 'true' });
    expect(await t.db.prisma.kpiDirty.findMany()).toEqual([expect.objectContaining({ bucket: new Date('2026-11-29T07:00:00Z') })]);
  });

  it('answers the same wrap-up again as stored, and refuses a different one without changing it', async () => {
    await post('w-answered', { disposition: 'billing_resolved', notes: 'شرحت الفاتورة', resolved: true }).expect(200);
    const res = await post('w-answered', { disposition: 'billing_resolved', resolved: false }).expect(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(await t.db.prisma.callEvent.count({ where: { callId: 'w-answered', type: 'wrapup' } })).toBe(1);
  });

  it("is only the call's agent's: another agent or a supervisor gets 403, a call nobody took 409, an unknown call 404", async () => {
    await post('w-answered', { disposition: 'other', resolved: true }, 'huda').expect(403);
    await post('w-answered', { disposition: 'other', resolved: true }, 'boss', 'supervisor').expect(403);
    await post('w-abandoned', { disposition: 'other', resolved: true }).expect(409);
    await post('no-such-call', { disposition: 'other', resolved: true }).expect(404);
    expect(await t.db.prisma.callEvent.count({ where: { type: 'wrapup' } })).toBe(1);
  });

  it.each([
    [{ disposition: 'other' }, 'resolved'],
    [{ disposition: 'other', resolved: 'yes' }, 'resolved'],
    [{ disposition: 'Not A Code', resolved: true }, 'disposition'],
    [{ disposition: 'other', resolved: true, notes: 'x'.repeat(2001) }, 'notes'],
    [{ disposition: 'other', resolved: true, notes: 'a\u0000b' }, 'notes'],
  ])('refuses %j with a 400 naming %s', async (body, field) => {
    const res = await post('w-abandoned', body).expect(400);
    expect(res.body.error.message).toMatch(new RegExp(`^${field}: `));
  });
});
