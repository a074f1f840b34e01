import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
});
afterAll(async () => {
  await t?.close();
});

const admin = () => `Bearer ${t.token('admin')}`;
const put = (id: string, body: unknown, auth = admin()) => request(t.app).put(`/api/customers/${id}`).set('Authorization', auth).send(body as object);

function expectErrorShape(body: unknown, code: string) {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
}

describe('PUT /api/customers/:id', () => {
  it('creates a customer (201) with phones normalised to E.164, then updates it (200)', async () => {
    const created = await put('cust-1', {
      name: 'Sara Ahmed',
      phones: ['050 123 4567', '00966551112233'],
      tier: 'gold',
      accountValue: { amount: 182000, currency: 'SAR' },
      externalRef: 'CRM-77',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'cust-1', name: 'Sara Ahmed', tier: 'gold', accountValue: { amount: 182000, currency: 'SAR' } });
    expect([...created.body.phones].sort()).toEqual(['+966501234567', '+966551112233']);
    const phoneRows = await t.db.prisma.customerPhone.findMany({ where: { customerId: 'cust-1' } });
    expect(phoneRows.map((p) => p.e164).sort()).toEqual(['+966501234567', '+966551112233']);

    const updated = await put('cust-1', { name: 'Sara A.', phones: ['+966 50-123-4567'], language: 'en' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 'cust-1', name: 'Sara A.', language: 'en', phones: ['+966501234567'] });
    const row = await t.db.prisma.customer.findUniqueOrThrow({ where: { id: 'cust-1' }, include: { phones: true } });
    expect(row.name).toBe('Sara A.');
    expect(row.phones.map((p) => p.e164)).toEqual(['+966501234567']);
    expect(await t.db.prisma.customer.count({ where: { id: 'cust-1' } })).toBe(1);
  });

  it('stores the same number written two ways once', async () => {
    const res = await put('cust-dup', { name: 'Dup', phones: ['0509998877', '+966509998877'] });
    expect(res.status).toBe(201);
    expect(res.body.phones).toEqual(['+966509998877']);
    expect(await t.db.prisma.customerPhone.count({ where: { customerId: 'cust-dup' } })).toBe(1);
  });

  it('keeps an Arabic name exactly as written', async () => {
    const name = 'عبدالله بن محمد الشهري';
    const res = await put('cust-ar', { name, phones: ['0561234567'] });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(name);
    const got = await request(t.app).get('/api/customers/cust-ar').set('Authorization', admin());
    expect(got.body.name).toBe(name);
    expect((await t.db.prisma.customer.findUniqueOrThrow({ where: { id: 'cust-ar' } })).name).toBe(name);
  });

  it.each([
    ['a phone that is not a number', { name: 'X', phones: ['client:bob'] }, /phones\.0/],
    ['a missing name', { phones: ['0501234567'] }, /^name:/],
    ['a lowercase currency', { name: 'X', phones: ['0501234567'], accountValue: { amount: 1, currency: 'sar' } }, /accountValue\.currency/],
    ['a 10 KB name', { name: 'n'.repeat(10 * 1024), phones: ['0501234567'] }, /^name:/],
    ['an empty phone list', { name: 'X', phones: [] }, /^phones:/],
  ])('rejects %s with a 400 naming the field and stores nothing', async (_label, body, field) => {
    const res = await put('cust-bad', body);
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'BAD_REQUEST');
    expect(res.body.error.message).toMatch(field);
    expect(await t.db.prisma.customer.findUnique({ where: { id: 'cust-bad' } })).toBeNull();
  });

  it('rejects an id with unsafe characters with a 400 naming id', async () => {
    const res = await put('bad%20id', { name: 'X', phones: ['0501234567'] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^id:/);
  });

  it('answers 401 without a token, with a garbage token, and with an expired token', async () => {
    const body = { name: 'X', phones: ['0501234567'] };
    const none = await request(t.app).put('/api/customers/cust-auth').send(body);
    const garbage = await put('cust-auth', body, 'Bearer not.a.jwt');
    const expiredToken = jwt.sign({ role: 'admin' }, TEST_CONFIG.jwt.secret, { subject: 'u1', algorithm: 'HS256', expiresIn: -10 });
    const expired = await put('cust-auth', body, `Bearer ${expiredToken}`);
    const wrongKey = await put('cust-auth', body, `Bearer ${jwt.sign({ role: 'admin' }, 'some-other-secret', { subject: 'u1' })}`);
    for (const res of [none, garbage, expired, wrongKey]) {
      expect(res.status).toBe(401);
      expectErrorShape(res.body, 'UNAUTHORIZED');
    }
    expect(expired.body.error.message).toMatch(/expired/);
    expect(await t.db.prisma.customer.findUnique({ where: { id: 'cust-auth' } })).toBeNull();
  });

  it('answers 403 when an agent tries to edit a customer', async () => {
    const res = await put('cust-agent', { name: 'X', phones: ['0501234567'] }, `Bearer ${t.token('agent')}`);
    expect(res.status).toBe(403);
    expectErrorShape(res.body, 'FORBIDDEN');
    expect(await t.db.prisma.customer.findUnique({ where: { id: 'cust-agent' } })).toBeNull();
  });
});

describe('GET /api/customers?phone=', () => {
  it('finds a customer by the local form of their number', async () => {
    await put('cust-find', { name: 'Findable', phones: ['+966531234567'] }).expect(201);
    const res = await request(t.app).get('/api/customers').query({ phone: '0531234567' }).set('Authorization', `Bearer ${t.token('supervisor')}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ id: 'cust-find', name: 'Findable' });
  });

  it('returns an empty list for a number nobody has', async () => {
    const res = await request(t.app).get('/api/customers?phone=0599999999').set('Authorization', admin());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [] });
  });

  it('rejects a query without a phone with a 400 naming phone', async () => {
    const res = await request(t.app).get('/api/customers').set('Authorization', admin());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^phone:/);
  });

  it('rejects an unparseable phone with a 400 naming phone', async () => {
    const res = await request(t.app).get('/api/customers?phone=anonymous').set('Authorization', admin());
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^phone:/);
  });
});

describe('unknown caller becomes a customer', () => {
  it('links interactions logged for the number before the customer existed', async () => {
    const logged = await request(t.app)
      .post('/api/interactions')
      .set('Authorization', `Bearer ${t.token('service')}`)
      .send({ phone: '0547776655', channel: 'whatsapp', type: 'message', at: '2026-03-01T10:00:00Z', summary: 'Asked about roaming', idempotencyKey: 'pre-1' });
    expect(logged.status).toBe(201);
    const before = await t.db.prisma.interaction.findUniqueOrThrow({ where: { idempotencyKey: 'api:pre-1' } });
    expect(before.customerId).toBeNull();

    await put('cust-late', { name: 'Late Comer', phones: ['+966547776655'] }).expect(201);

    const timeline = await request(t.app).get('/api/customers/cust-late/timeline').set('Authorization', admin());
    expect(timeline.status).toBe(200);
    expect(timeline.body.items).toHaveLength(1);
    expect(timeline.body.items[0]).toMatchObject({ id: logged.body.id, channel: 'whatsapp', summary: 'Asked about roaming' });
    const after = await t.db.prisma.interaction.findUniqueOrThrow({ where: { idempotencyKey: 'api:pre-1' } });
    expect(after.customerId).toBe('cust-late');
  });
});
