import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
});
afterAll(async () => {
  await t?.close();
});

const auth = (role: TRole, sub?: string) => `Bearer ${t.token(role, sub)}`;
const post = (body: unknown, role: TRole = 'admin', sub?: string) => request(t.app).post('/api/biometrics/watchlist').set('Authorization', auth(role, sub)).send(body as object);
const list = (role: TRole = 'supervisor') => request(t.app).get('/api/biometrics/watchlist').set('Authorization', auth(role));
const remove = (id: string, role: TRole = 'admin', sub?: string) => request(t.app).delete(`/api/biometrics/watchlist/${id}`).set('Authorization', auth(role, sub));
const UUID = /^[0-9a-f-]{36}$/;

describe('/api/biometrics/watchlist', () => {
  it('adds a number in E.164 and a speaker, lists them newest first, and removes one', async () => {
    t.clock.now = new Date('2026-11-29T07:00:00Z');
    const number = await post({ kind: 'number', value: '0501234567', reason: 'SIM swap reported' }, 'admin', 'admin-noura');
    expect(number.status).toBe(201);
    expect(number.body).toEqual({ id: expect.stringMatching(UUID), kind: 'number', value: '+966501234567', reason: 'SIM swap reported', createdBy: 'admin-noura', createdAt: '2026-11-29T07:00:00.000Z' });
    t.clock.now = new Date('2026-11-29T07:05:00Z');
    const speaker = await post({ kind: 'speaker', value: 'spk_91c2', reason: 'synthetic voice' });
    expect(speaker.status).toBe(201);
    expect(speaker.body).toMatchObject({ kind: 'speaker', value: 'spk_91c2', createdBy: 'test-admin' });

    const listed = await list();
    expect(listed.status).toBe(200);
    expect(listed.body.entries.map((e: { value: string }) => e.value)).toEqual(['spk_91c2', '+966501234567']);

    expect((await remove(speaker.body.id)).status).toBe(204);
    expect((await list()).body.entries.map((e: { value: string }) => e.value)).toEqual(['+966501234567']);
    expect((await remove(speaker.body.id)).status).toBe(404);
  });

  it('answers 200 with the existing entry when the same number is added again in another spelling', async () => {
    const first = await post({ kind: 'number', value: '+966 55 123 4567', reason: 'first report' });
    expect(first.status).toBe(201);
    for (const value of ['00966551234567', '966551234567', '٠٥٥١٢٣٤٥٦٧']) {
      const again = await post({ kind: 'number', value, reason: 'second report' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
    }
    expect(await t.db.prisma.watchlistEntry.count({ where: { value: '+966551234567' } })).toBe(1);
  });

  it('audits who added and who removed which entry, and when, keeping the record after removal', async () => {
    t.clock.now = new Date('2026-11-29T09:00:00Z');
    const added = await post({ kind: 'speaker', value: 'spk_audit', reason: 'chargeback ring' }, 'admin', 'admin-omar');
    t.clock.now = new Date('2026-11-29T09:30:00Z');
    await remove(added.body.id, 'admin', 'admin-lina').expect(204);
    const audit = await t.db.prisma.watchlistAudit.findMany({ where: { entryId: added.body.id }, orderBy: { at: 'asc' }, omit: { id: true } });
    expect(audit).toEqual([
      { action: 'added', entryId: added.body.id, kind: 'speaker', value: 'spk_audit', reason: 'chargeback ring', by: 'admin-omar', at: new Date('2026-11-29T09:00:00Z') },
      { action: 'removed', entryId: added.body.id, kind: 'speaker', value: 'spk_audit', reason: 'chargeback ring', by: 'admin-lina', at: new Date('2026-11-29T09:30:00Z') },
    ]);
    expect(await t.db.prisma.watchlistEntry.count({ where: { id: added.body.id } })).toBe(0);
  });

  it('writes no audit row for a repeat or for removing an unknown entry', async () => {
    await post({ kind: 'speaker', value: 'spk_once', reason: 'x' }).expect(201);
    await post({ kind: 'speaker', value: 'spk_once', reason: 'y' }).expect(200);
    await remove('00000000-0000-4000-8000-000000000000').expect(404);
    expect(await t.db.prisma.watchlistAudit.count({ where: { value: 'spk_once' } })).toBe(1);
    expect(await t.db.prisma.watchlistAudit.count({ where: { entryId: '00000000-0000-4000-8000-000000000000' } })).toBe(0);
  });

  it.each([
    ['a number that is not a phone number', { kind: 'number', value: 'anonymous', reason: 'r' }, /^value: /],
    ['a number too short to be one', { kind: 'number', value: '12345', reason: 'r' }, /^value: /],
    ['an unknown kind', { kind: 'email', value: 'a@b.c', reason: 'r' }, /^kind: /],
    ['an empty speaker id', { kind: 'speaker', value: '  ', reason: 'r' }, /^value: /],
    ['no reason', { kind: 'speaker', value: 'spk_x' }, /^reason: /],
    ['a blank reason', { kind: 'speaker', value: 'spk_x', reason: ' ' }, /^reason: /],
  ])('refuses %s with 400 naming the field and stores nothing', async (_label, body, field) => {
    const before = await t.db.prisma.watchlistEntry.count();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(field);
    expect(await t.db.prisma.watchlistEntry.count()).toBe(before);
  });

  it('refuses a malformed id on DELETE with 400 naming id', async () => {
    const res = await remove('not-an-id');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^id: /);
  });

  it('lets only admins write, and supervisors and admins read', async () => {
    const entry = (await post({ kind: 'speaker', value: 'spk_roles', reason: 'r' })).body;
    for (const role of ['agent', 'supervisor', 'service'] as const) {
      expect((await post({ kind: 'speaker', value: 'spk_other', reason: 'r' }, role)).status).toBe(403);
      expect((await remove(entry.id, role)).status).toBe(403);
    }
    expect((await list('agent')).status).toBe(403);
    expect((await list('service')).status).toBe(403);
    expect((await list('admin')).status).toBe(200);
    expect((await request(t.app).get('/api/biometrics/watchlist')).status).toBe(401);
    expect(await t.db.prisma.watchlistEntry.count({ where: { value: 'spk_other' } })).toBe(0);
    expect(await t.db.prisma.watchlistEntry.count({ where: { id: entry.id } })).toBe(1);
  });

  it('makes an added number a watchlist hit for the verification flow', async () => {
    await post({ kind: 'number', value: '0509876543', reason: 'r' }).expect(201);
    expect(await t.services.biometrics.watchlist.isWatchlisted({ number: '+966509876543' })).toBe(true);
  });
});
