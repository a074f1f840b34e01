import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const id of ['c-flow', 'c-repeat', 'c-bad', 'c-roles', 'c-many']) {
    await t.services.customers.upsert({ id, name: `Consent ${id}`, phones: [], language: 'ar', tier: 'standard' });
  }
});
afterAll(async () => {
  await t?.close();
});

const put = (id: string, body: unknown, role: TRole = 'service') =>
  request(t.app).put(`/api/customers/${id}/consents`).set('Authorization', `Bearer ${t.token(role)}`).send(body as object);
const get = (id: string, role: TRole = 'admin') => request(t.app).get(`/api/customers/${id}/consents`).set('Authorization', `Bearer ${t.token(role)}`);
const consentEntries = (customerId: string) =>
  t.db.prisma.interaction.findMany({ where: { customerId, type: 'consent' }, orderBy: { createdAt: 'asc' }, select: { channel: true, summary: true, at: true } });

const grant = { purpose: 'voice_biometrics', granted: true, channel: 'ivr', textVersion: 'v3' };

describe('PUT/GET /api/customers/:id/consents', () => {
  it('shows the latest answer per purpose after a grant then a withdrawal, keeping both in the history and on the timeline', async () => {
    t.clock.now = new Date('2026-11-29T07:00:00Z');
    const first = await put('c-flow', grant);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ purpose: 'voice_biometrics', granted: true, at: '2026-11-29T07:00:00.000Z', channel: 'ivr', textVersion: 'v3' });
    t.clock.now = new Date('2026-11-29T08:00:00Z');
    await put('c-flow', { purpose: 'marketing', granted: true, channel: 'web', textVersion: '2' }).expect(201);
    t.clock.now = new Date('2026-11-29T09:00:00Z');
    await put('c-flow', { ...grant, granted: false, channel: 'api' }).expect(201);

    const res = await get('c-flow');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      consents: [
        { purpose: 'marketing', granted: true, at: '2026-11-29T08:00:00.000Z', channel: 'web', textVersion: '2' },
        { purpose: 'voice_biometrics', granted: false, at: '2026-11-29T09:00:00.000Z', channel: 'api', textVersion: 'v3' },
      ],
    });
    expect(await t.db.prisma.consent.count({ where: { customerId: 'c-flow', purpose: 'voice_biometrics' } })).toBe(2);
    expect(await consentEntries('c-flow')).toEqual([
      { channel: 'voice', summary: 'Consent to voice biometrics granted (ivr, text v3)', at: new Date('2026-11-29T07:00:00Z') },
      { channel: 'chat', summary: 'Consent to marketing granted (web, text v2)', at: new Date('2026-11-29T08:00:00Z') },
      { channel: 'chat', summary: 'Consent to voice biometrics withdrawn (api, text v3)', at: new Date('2026-11-29T09:00:00Z') },
    ]);
  });

  it('takes the last change as the standing answer even when two changes share a timestamp', async () => {
    t.clock.now = new Date('2026-11-29T10:00:00Z');
    await put('c-many', { ...grant, purpose: 'survey' }).expect(201);
    await put('c-many', { ...grant, purpose: 'survey', granted: false }).expect(201);
    await put('c-many', { ...grant, purpose: 'survey', granted: true, textVersion: 'v4' }).expect(201);
    const res = await get('c-many');
    expect(res.body.consents).toEqual([{ purpose: 'survey', granted: true, at: '2026-11-29T10:00:00.000Z', channel: 'ivr', textVersion: 'v4' }]);
    expect(await t.services.consents.allows('c-many', 'survey')).toBe(true);
    expect(await t.services.consents.allows('c-many', 'marketing')).toBe(false);
  });

  it('treats a repeat of the standing answer as a no-op: 200, no second history row, no second timeline entry', async () => {
    t.clock.now = new Date('2026-11-29T07:00:00Z');
    await put('c-repeat', grant).expect(201);
    t.clock.now = new Date('2026-11-29T07:05:00Z');
    const again = await put('c-repeat', grant);
    expect(again.status).toBe(200);
    // The first answer's time stands: it is when the customer agreed.
    expect(again.body.at).toBe('2026-11-29T07:00:00.000Z');
    expect(await t.db.prisma.consent.count({ where: { customerId: 'c-repeat' } })).toBe(1);
    expect(await consentEntries('c-repeat')).toHaveLength(1);
    // A new text version is a new answer.
    await put('c-repeat', { ...grant, textVersion: 'v4' }).expect(201);
    expect(await t.db.prisma.consent.count({ where: { customerId: 'c-repeat' } })).toBe(2);
  });

  it.each([
    ['an unknown purpose', { ...grant, purpose: 'telepathy' }, 'purpose'],
    ['an unknown channel', { ...grant, channel: 'fax' }, 'channel'],
    ['a missing granted', { purpose: 'survey', channel: 'ivr', textVersion: 'v1' }, 'granted'],
    ['granted as a string', { ...grant, granted: 'yes' }, 'granted'],
    ['a missing textVersion', { purpose: 'survey', granted: true, channel: 'ivr' }, 'textVersion'],
    ['a NUL byte in textVersion', { ...grant, textVersion: 'v\u00003' }, 'textVersion'],
    ['a NUL byte in a field the schema ignores', { ...grant, note: 'a\u0000b' }, 'note'],
  ])('refuses %s with 400 naming the field and writes nothing', async (_what, body, field) => {
    const res = await put('c-bad', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(new RegExp(`^${field}:`)) });
    expect(await t.db.prisma.consent.count({ where: { customerId: 'c-bad' } })).toBe(0);
    expect(await consentEntries('c-bad')).toHaveLength(0);
  });

  it('refuses a body that is not an object with 400', async () => {
    const res = await request(t.app).put('/api/customers/c-bad/consents').set('Authorization', `Bearer ${t.token('admin')}`).set('Content-Type', 'application/json').send('[1]');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('answers 404 for an unknown customer on PUT and GET and stores nothing', async () => {
    const res = await put('ghost', grant);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(await t.db.prisma.consent.count({ where: { customerId: 'ghost' } })).toBe(0);
    expect((await get('ghost')).status).toBe(404);
  });

  it('lets admins and service tokens write (recording who), and supervisors, admins and services read (agents only for a caller they serve)', async () => {
    await put('c-roles', grant, 'admin').expect(201);
    await put('c-roles', { ...grant, purpose: 'survey' }, 'service').expect(201);
    for (const role of ['agent', 'supervisor'] as const) {
      const res = await put('c-roles', { ...grant, purpose: 'marketing' }, role);
      expect(res.status).toBe(403);
    }
    expect(await t.db.prisma.consent.count({ where: { customerId: 'c-roles', purpose: 'marketing' } })).toBe(0);
    for (const role of ['supervisor', 'admin', 'service'] as const) {
      const res = await get('c-roles', role);
      expect(res.status).toBe(200);
      expect(res.body.consents).toHaveLength(2);
    }
    // An agent who never had a call with the customer (test/http/customer-access.test.ts covers one who did).
    expect((await get('c-roles', 'agent')).body.error.code).toBe('NOT_YOUR_CUSTOMER');
    expect((await request(t.app).get('/api/customers/c-roles/consents')).status).toBe(401);
    // Each row names who recorded it.
    const rows = await t.db.prisma.consent.findMany({ where: { customerId: 'c-roles' }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.by)).toEqual(['test-admin', 'test-service']);
  });
});
