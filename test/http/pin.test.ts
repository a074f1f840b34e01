import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const id of ['c-pin', 'c-lock', 'c-arabic', 'c-bad', 'c-roles']) {
    await t.services.customers.upsert({ id, name: `PIN ${id}`, phones: [], language: 'ar', tier: 'standard' });
  }
});
afterAll(async () => {
  await t?.close();
});

const put = (id: string, body: unknown, role: TRole = 'admin') =>
  request(t.app).put(`/api/customers/${id}/pin`).set('Authorization', `Bearer ${t.token(role)}`).send(body as object);
const verify = (id: string, digits: string) => t.services.biometrics.verifyPin(id, digits);

describe('PUT /api/customers/:id/pin', () => {
  it('sets a PIN the IVR can verify, answering 204 with nothing of the PIN', async () => {
    const res = await put('c-pin', { pin: '482913' });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(JSON.stringify(res.headers)).not.toContain('482913');
    expect(await verify('c-pin', '482913')).toBe('verified');
    expect(await verify('c-pin', '482914')).toBe('failed');
  });

  it('keeps only a hash in the database', async () => {
    await put('c-pin', { pin: '482913' }, 'service').expect(204);
    const row = await t.db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'c-pin' } });
    expect(Object.keys(row).sort()).toEqual(['customerId', 'failedAttempts', 'hash', 'lockedUntil', 'params', 'salt', 'updatedAt']);
    expect(JSON.stringify(row)).not.toContain('482913');
    expect(Buffer.from(row.hash, 'base64')).toHaveLength(32);
  });

  it('locks after three wrong PINs and unlocks after 15 minutes', async () => {
    t.clock.now = new Date('2026-11-29T07:00:00Z');
    await put('c-lock', { pin: '1234' }).expect(204);
    expect(await verify('c-lock', '0000')).toBe('failed');
    expect(await verify('c-lock', '0001')).toBe('failed');
    expect(await verify('c-lock', '0002')).toBe('locked');
    expect(await verify('c-lock', '1234')).toBe('locked');
    t.clock.now = new Date('2026-11-29T07:15:00Z');
    expect(await verify('c-lock', '1234')).toBe('verified');
  });

  it('takes a PIN typed in Arabic-Indic digits as the same PIN', async () => {
    await put('c-arabic', { pin: '٤٨٢٩' }).expect(204);
    expect(await verify('c-arabic', '4829')).toBe('verified');
    await put('c-arabic', { pin: '۱۲۳۴۵' }).expect(204);
    expect(await verify('c-arabic', '12345')).toBe('verified');
  });

  it.each([
    ['too short', { pin: '123' }],
    ['too long', { pin: '123456789' }],
    ['not digits', { pin: '12a4' }],
    ['full-width digits', { pin: '１２３４' }],
    ['a number, not a string', { pin: 4829 }],
    ['spaces', { pin: '12 34' }],
    ['missing', {}],
  ])('refuses a PIN that is %s with 400 naming pin, without quoting it, and stores nothing', async (_label, body) => {
    const res = await put('c-bad', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toMatch(/^pin: /);
    const pin = (body as { pin?: unknown }).pin;
    if (pin !== undefined) expect(JSON.stringify(res.body)).not.toContain(String(pin));
    expect(await t.db.prisma.customerPin.count({ where: { customerId: 'c-bad' } })).toBe(0);
  });

  it('answers 404 for an unknown customer without quoting the PIN', async () => {
    const res = await put('nobody', { pin: '907153' });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('907153');
    expect(await t.db.prisma.customerPin.count({ where: { customerId: 'nobody' } })).toBe(0);
  });

  it('lets admins and service tokens set a PIN, not agents or supervisors', async () => {
    for (const role of ['agent', 'supervisor'] as const) expect((await put('c-roles', { pin: '2468' }, role)).status).toBe(403);
    expect((await request(t.app).put('/api/customers/c-roles/pin').send({ pin: '2468' })).status).toBe(401);
    expect(await t.db.prisma.customerPin.count({ where: { customerId: 'c-roles' } })).toBe(0);
    await put('c-roles', { pin: '2468' }, 'service').expect(204);
  });

  it('drops the PIN with the customer', async () => {
    await put('c-roles', { pin: '2468' }).expect(204);
    await t.db.prisma.customer.delete({ where: { id: 'c-roles' } });
    expect(await t.db.prisma.customerPin.count({ where: { customerId: 'c-roles' } })).toBe(0);
  });
});
