import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await t.services.customers.upsert({ id: 'tl-cust', name: 'Timeline Owner', phones: ['+966501110000'], language: 'ar', tier: 'standard' });
  await t.services.customers.upsert({ id: 'tl-empty', name: 'No History', phones: ['+966501110001'], language: 'en', tier: 'standard' });
});
afterAll(async () => {
  await t?.close();
});

const bearer = (role: Parameters<TestApp['token']>[0]) => `Bearer ${t.token(role)}`;
const post = (body: unknown, role: Parameters<TestApp['token']>[0] = 'supervisor') =>
  request(t.app).post('/api/interactions').set('Authorization', bearer(role)).send(body as object);
const timeline = (id: string, query: Record<string, string | number> = {}) =>
  // A supervisor reads every timeline; agents only their callers' (test/http/customer-access.test.ts).
  request(t.app).get(`/api/customers/${id}/timeline`).query(query).set('Authorization', bearer('supervisor'));

const entry = (over: Record<string, unknown> = {}) => ({
  customerId: 'tl-cust',
  channel: 'chat',
  type: 'message',
  at: '2026-02-01T09:00:00Z',
  summary: 'Asked about a refund',
  ...over,
});

describe('POST /api/interactions', () => {
  it('stores an entry once when the same delivery arrives three times', async () => {
    const body = entry({ idempotencyKey: 'dup-1' });
    const first = await post(body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ channel: 'chat', type: 'message', summary: 'Asked about a refund', at: '2026-02-01T09:00:00.000Z' });
    expect(first.body).not.toHaveProperty('idempotencyKey');
    for (let i = 0; i < 3; i++) {
      const again = await post(body);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
    }
    expect(await t.db.prisma.interaction.count({ where: { idempotencyKey: 'api:dup-1' } })).toBe(1);
  });

  it('refuses to reuse a key for different content (409) and keeps the original', async () => {
    await post(entry({ idempotencyKey: 'conflict-1', summary: 'Original' })).expect(201);
    const res = await post(entry({ idempotencyKey: 'conflict-1', summary: 'Something else' }));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: { code: 'CONFLICT', message: expect.stringMatching(/idempotencyKey/) } });
    const row = await t.db.prisma.interaction.findUniqueOrThrow({ where: { idempotencyKey: 'api:conflict-1' } });
    expect(row.summary).toBe('Original');
  });

  it('answers 422 for a customerId that does not exist and stores nothing', async () => {
    const res = await post(entry({ customerId: 'ghost', idempotencyKey: 'ghost-1' }));
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'UNPROCESSABLE', message: expect.stringMatching(/customerId/) });
    expect(await t.db.prisma.interaction.findUnique({ where: { idempotencyKey: 'api:ghost-1' } })).toBeNull();
  });

  it('links an entry sent with a phone number to the customer who owns it', async () => {
    const res = await post(entry({ customerId: undefined, phone: '0501110001', idempotencyKey: 'by-phone-1' }));
    expect(res.status).toBe(201);
    const row = await t.db.prisma.interaction.findUniqueOrThrow({ where: { idempotencyKey: 'api:by-phone-1' } });
    expect(row.customerId).toBe('tl-empty');
    expect(row.phoneE164).toBe('+966501110001');
  });

  it.each([
    ['neither customerId nor phone', { ...entry({ idempotencyKey: 'v-1' }), customerId: undefined }, /^customerId:/],
    ['an unknown channel', entry({ channel: 'fax', idempotencyKey: 'v-2' }), /^channel:/],
    ['a date without a time zone', entry({ at: '2026-02-01 09:00', idempotencyKey: 'v-3' }), /^at:/],
    ['no idempotency key', entry(), /^idempotencyKey:/],
    ['an empty summary', entry({ summary: '   ', idempotencyKey: 'v-5' }), /^summary:/],
    ['a phone that is not a number', { ...entry({ idempotencyKey: 'v-6', phone: 'anonymous' }), customerId: undefined }, /^phone:/],
  ])('rejects %s with a 400 naming the field', async (_label, body, field) => {
    const before = await t.db.prisma.interaction.count();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toMatch(field);
    expect(await t.db.prisma.interaction.count()).toBe(before);
  });

  it('stores the earliest and latest dates it accepts', async () => {
    await post(entry({ idempotencyKey: 'edge-1', at: '0001-01-01T00:00:00Z' })).expect(201);
    await post(entry({ idempotencyKey: 'edge-2', at: '9999-12-31T23:59:59Z' })).expect(201);
    expect(await t.db.prisma.interaction.count({ where: { idempotencyKey: { in: ['api:edge-1', 'api:edge-2'] } } })).toBe(2);
  });

  it.each([
    ['before year 1 once its offset is applied', '0001-01-01T00:00:00+03:00'],
    ['after year 9999 once its offset is applied', '9999-12-31T23:00:00-05:00'],
  ])('rejects a date %s with a 400 naming at, not a 500', async (_label, at) => {
    const res = await post(entry({ idempotencyKey: `edge-${at}`, at }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^at:/);
  });

  it('rejects malformed JSON with a 400', async () => {
    const res = await request(t.app)
      .post('/api/interactions')
      .set('Authorization', bearer('admin'))
      .set('Content-Type', 'application/json')
      .send('{"channel": "chat",');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('rejects a body over 256 KB with a 413', async () => {
    const res = await post(entry({ idempotencyKey: 'big-1', text: 'x'.repeat(300 * 1024) }), 'admin');
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await t.db.prisma.interaction.findUnique({ where: { idempotencyKey: 'api:big-1' } })).toBeNull();
  });

  it('forbids agents from writing to the timeline (403)', async () => {
    const res = await post(entry({ idempotencyKey: 'agent-1' }), 'agent');
    expect(res.status).toBe(403);
    expect(await t.db.prisma.interaction.findUnique({ where: { idempotencyKey: 'api:agent-1' } })).toBeNull();
  });

  it('lets a service token write to the timeline', async () => {
    const res = await post(entry({ idempotencyKey: 'svc-1', channel: 'email' }), 'service');
    expect(res.status).toBe(201);
    expect(await t.db.prisma.interaction.findUnique({ where: { idempotencyKey: 'api:svc-1' } })).toMatchObject({ channel: 'email', customerId: 'tl-cust' });
  });
});

describe('GET /api/customers/:id/timeline', () => {
  const owner = 'tl-page';
  const created: Array<{ id: string; at: string; channel: string }> = [];

  beforeAll(async () => {
    await t.services.customers.upsert({ id: owner, name: 'Pager', phones: ['+966501110002'], language: 'ar', tier: 'standard' });
    // Three entries share one instant so paging must break ties without skipping or repeating.
    const specs = [
      { at: '2026-01-01T08:00:00.000Z', channel: 'voice' },
      { at: '2026-01-02T08:00:00.000Z', channel: 'whatsapp' },
      { at: '2026-01-02T08:00:00.000Z', channel: 'voice' },
      { at: '2026-01-02T08:00:00.000Z', channel: 'sms' },
      { at: '2026-01-03T08:00:00.000Z', channel: 'voice' },
    ];
    for (const [i, s] of specs.entries()) {
      const res = await post({ customerId: owner, type: 'message', summary: `entry ${i}`, idempotencyKey: `page-${i}`, ...s });
      expect(res.status).toBe(201);
      created.push({ id: res.body.id, at: s.at, channel: s.channel });
    }
  });

  it('lists entries newest first', async () => {
    const res = await timeline(owner);
    expect(res.status).toBe(200);
    const ats = res.body.items.map((i: { at: string }) => i.at);
    expect(ats).toEqual([...ats].sort().reverse());
    expect(res.body.items).toHaveLength(5);
    expect(res.body.items[0]).toMatchObject({ at: '2026-01-03T08:00:00.000Z', summary: 'entry 4' });
    expect(res.body.nextCursor).toBeNull();
  });

  it('walks every entry exactly once, two at a time, including entries with the same time', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await timeline(owner, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(created.map((c) => c.id)));
    const full = await timeline(owner);
    expect(seen).toEqual(full.body.items.map((i: { id: string }) => i.id));
  });

  it('filters by channel', async () => {
    const res = await timeline(owner, { channel: 'voice' });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items.every((i: { channel: string }) => i.channel === 'voice')).toBe(true);
  });

  it('rejects an unknown channel filter with a 400 naming channel', async () => {
    const res = await timeline(owner, { channel: 'fax' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^channel:/);
  });

  it('rejects a cursor it did not issue with a 400 naming cursor', async () => {
    const res = await timeline(owner, { cursor: 'not-a-cursor' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^cursor:/) });
  });

  it('rejects a forged cursor holding a date the database cannot store with a 400, not a 500', async () => {
    const forged = Buffer.from('-200000-01-01T00:00:00.000Z|abc').toString('base64url');
    const res = await timeline(owner, { cursor: forged });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^cursor:/);
  });

  it.each([
    ['year 0000', '0000-01-01T00:00:00.000Z'],
    ['30 February', '2026-02-30T00:00:00.000Z'],
  ])('rejects a forged cursor holding %s with a 400 naming cursor, not a 500', async (_label, iso) => {
    const res = await timeline(owner, { cursor: Buffer.from(`${iso}|abc`).toString('base64url') });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^cursor:/) });
  });

  it('answers 404 for a customer that does not exist', async () => {
    const res = await timeline('nobody-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers an empty page for a customer with no history', async () => {
    const other = await t.services.customers.upsert({ id: 'tl-fresh', name: 'Fresh', phones: ['+966501110003'], language: 'ar', tier: 'standard' });
    expect(other.created).toBe(true);
    const res = await timeline('tl-fresh');
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});
