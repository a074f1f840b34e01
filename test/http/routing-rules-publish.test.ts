/**
 * A telephony admin publishes, compares and rolls back routing rule versions. A publish
 * or rollback takes effect for the next call at once and is audited; anything invalid is
 * refused with a 422 and leaves the live rules exactly as they were.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

type Draft = { rules: Array<Record<string, unknown>>; default: Record<string, unknown> };
type AuditItem = { action: string; version: number; fromVersion: number | null; by: string; comment: string | null; at: string };
type VersionItem = { version: number; active: boolean; comment: string | null; createdBy: string; createdAt: string };

const ADMIN = 'admin-layla';
let t: TestApp;
const testStartedAt = Date.now();

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
  await t.services.agents.upsert('noura', { name: 'Noura', skills: { billing: 4 }, languages: ['ar', 'en'] });
  // The only agent with the senior Arabic skill; a later test takes it away.
  await t.services.agents.upsert('hessa', { name: 'Hessa', skills: { billing: 2, arabic_senior: 5 }, languages: ['ar'] });
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const auth = (role: TRole = 'admin', sub = ADMIN) => `Bearer ${t.token(role, sub)}`;
const example = (): Draft => structuredClone(exampleRuleSet) as unknown as Draft;
const publish = (set: unknown, comment?: string) =>
  request(t.app).post('/api/routing/rules').set('Authorization', auth()).send({ ...(set as object), ...(comment ? { comment } : {}) });
const rollback = (body: unknown) => request(t.app).post('/api/routing/rules/rollback').set('Authorization', auth()).send(body as object);
const get = (path: string, role: TRole = 'supervisor') => request(t.app).get(path).set('Authorization', auth(role, `sup-${role}`));
const activeRules = async () => (await get('/api/routing/rules')).body as { version: number; rules: Array<{ name: string; priority: number; queue: string }>; default: unknown };
const audit = async () => (await get('/api/routing/audit')).body.items as AuditItem[];
const versions = async () => (await get('/api/routing/rules/versions')).body.items as VersionItem[];
const simulate = async (body: unknown) => {
  const res = await request(t.app).post('/api/routing/simulate').set('Authorization', auth('supervisor', 'sup-omar')).send(body as object);
  expect(res.status).toBe(200);
  return res.body as { version: number; rule: string; queue: string };
};
/** Everything an invalid publish or rollback must leave alone. */
const snapshot = async () => ({
  sets: await t.db.prisma.routingRuleSet.count(),
  audits: await t.db.prisma.routingAudit.count(),
  active: (await t.db.prisma.routingActive.findUnique({ where: { id: 1 } }))?.version ?? 0,
  rules: await activeRules(),
  versions: await versions(),
});

/** v2: vip reprioritised, open-complaints dropped, a sales rule added. */
function secondVersion(): Draft {
  const set = example();
  set.rules = set.rules.filter((r) => r.name !== 'open-complaints');
  set.rules.find((r) => r.name === 'vip')!.priority = 95;
  set.rules.push({ name: 'sales-leads', when: 'ivr.intent == "sales"', queue: 'sales', priority: 40 });
  return set;
}

const complainer = { call: { language: 'en', from: '+966501234567' }, customer: { known: true, openComplaints: 2 } };

describe('publishing rules', () => {
  it('routes everything to general before anything is published', async () => {
    const rules = await activeRules();
    expect(rules).toMatchObject({ version: 0, rules: [], default: { queue: 'general' } });
    expect(await simulate(complainer)).toMatchObject({ version: 0, rule: 'default', queue: 'general' });
  });

  it('publishes the example as version 1 (201) and GET rules serves it at once', async () => {
    const res = await publish(example(), 'first cut of the VIP rules');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ version: 1 });

    const rules = await activeRules();
    expect(rules.version).toBe(1);
    expect(rules.rules.map((r) => r.name)).toEqual(['crisis', 'vip', 'arabic-billing', 'open-complaints']);
    expect(rules.default).toMatchObject({ queue: 'general', priority: 10 });
    expect(await t.db.prisma.routingRuleSet.count()).toBe(1);
  });

  it('audits the publish with who (token sub), when and the comment', async () => {
    const [last] = await audit();
    expect(last).toEqual({ action: 'publish', version: 1, fromVersion: 0, by: ADMIN, comment: 'first cut of the VIP rules', at: expect.any(String) });
    const at = Date.parse(last!.at);
    expect(at).toBeGreaterThanOrEqual(testStartedAt - 60_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 60_000);
    const row = await t.db.prisma.routingRuleSet.findUniqueOrThrow({ where: { version: 1 } });
    expect(row).toMatchObject({ createdBy: ADMIN, comment: 'first cut of the VIP rules' });
  });

  it.each<[string, (set: Draft) => void, { rule: string; field: string }]>([
    ['an unknown queue', (set) => void (set.rules[1]!.queue = 'vip-desk'), { rule: 'vip', field: 'queue' }],
    ['a CEL error', (set) => void (set.rules[0]!.when = 'customer.vip == true'), { rule: 'crisis', field: 'when' }],
    ['a missing default', (set) => void delete (set as Partial<Draft>).default, { rule: 'default', field: '' }],
    // validate refuses unknown top-level fields, so publish must too (it used to drop them silently).
    ['a misspelt top-level field', (set) => void ((set as unknown as Record<string, unknown>).defualt = { queue: 'general' }), { rule: '', field: 'defualt' }],
  ])('refuses a set with %s (422) and leaves versions and the live rules unchanged', async (_label, mutate, where) => {
    const before = await snapshot();
    const set = example();
    mutate(set);
    const res = await publish(set, 'should not land');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNPROCESSABLE');
    expect(res.body.error.details.errors).toContainEqual(expect.objectContaining(where));
    expect(await snapshot()).toEqual(before);
  });

  it('answers a missing default exactly as validate does: 422 default "required"', async () => {
    const { default: _d, ...noDefault } = example();
    const validated = await request(t.app).post('/api/routing/rules/validate').set('Authorization', auth()).send(noDefault);
    const published = await publish(noDefault, 'no default');
    expect(validated.status).toBe(422);
    expect(published.status).toBe(422);
    expect(published.body.error.details.errors).toEqual(validated.body.errors);
    expect(validated.body.errors).toContainEqual({ rule: 'default', field: '', message: 'required' });
  });

  it('refuses a comment that is not text or is too long (400 naming comment), publishing nothing', async () => {
    const before = await snapshot();
    for (const comment of [42, 'x'.repeat(501)]) {
      const res = await request(t.app).post('/api/routing/rules').set('Authorization', auth()).send({ ...example(), comment });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^comment:/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('takes effect for the next decision at once: simulate before and after a publish differ', async () => {
    const before = await simulate(complainer);
    expect(before).toMatchObject({ version: 1, rule: 'open-complaints', queue: 'complaints' });

    const res = await publish(secondVersion(), 'complaints go through general; sales leads');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ version: 2 });

    expect(await simulate(complainer)).toMatchObject({ version: 2, rule: 'default', queue: 'general' });
    expect(await simulate({ ivr: { intent: 'sales' } })).toMatchObject({ version: 2, rule: 'sales-leads', queue: 'sales' });
    expect((await activeRules()).version).toBe(2);
    const [last] = await audit();
    expect(last).toMatchObject({ action: 'publish', version: 2, fromVersion: 1, by: ADMIN });
  });
});

describe('versions and diffs', () => {
  it('lists versions newest first with exactly one active', async () => {
    const items = await versions();
    expect(items.map((v) => v.version)).toEqual([2, 1]);
    expect(items.map((v) => v.active)).toEqual([true, false]);
    expect(items[1]).toEqual({ version: 1, active: false, comment: 'first cut of the VIP rules', createdBy: ADMIN, createdAt: expect.any(String) });
  });

  it('shows an old version in full', async () => {
    const res = await get('/api/routing/rules/versions/1');
    expect(res.status).toBe(200);
    expect(res.body.version).toBe(1);
    expect(res.body.rules.map((r: { name: string }) => r.name)).toEqual(['crisis', 'vip', 'arabic-billing', 'open-complaints']);
    expect(res.body.rules[1]).toMatchObject({ name: 'vip', priority: 90, queue: 'priority', skills: { billing: 3 } });
  });

  it('answers 404 for a version that was never published and 400 for a non-number', async () => {
    const missing = await get('/api/routing/rules/versions/99');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const junk = await get('/api/routing/rules/versions/latest');
    expect(junk.status).toBe(400);
    expect(junk.body.error.message).toMatch(/^version/);
  });

  it('diffs v1 and v2: added, removed and changed fields (vip priority 90 -> 95)', async () => {
    const res = await get('/api/routing/rules/diff?from=1&to=2');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: 1, to: 2, added: ['sales-leads'], removed: ['open-complaints'], defaultChanged: [] });
    expect(res.body.changed).toEqual([{ rule: 'vip', fields: [{ field: 'priority', from: 90, to: 95 }] }]);

    const back = await get('/api/routing/rules/diff?from=2&to=1');
    expect(back.body).toMatchObject({ added: ['open-complaints'], removed: ['sales-leads'] });
    expect(back.body.changed).toEqual([{ rule: 'vip', fields: [{ field: 'priority', from: 95, to: 90 }] }]);
  });

  it('refuses a diff against an unknown version (404) or without from/to (400)', async () => {
    expect((await get('/api/routing/rules/diff?from=1&to=42')).status).toBe(404);
    const missing = await get('/api/routing/rules/diff?from=1');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/to/);
  });
});

describe('rolling back', () => {
  it('makes v1 active again at once, and audits it with the version it replaced', async () => {
    const res = await rollback({ version: 1, comment: 'complaints team asked for their rule back' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: 1 });

    const rules = await activeRules();
    expect(rules.version).toBe(1);
    expect(rules.rules.map((r) => r.name)).toEqual(['crisis', 'vip', 'arabic-billing', 'open-complaints']);
    expect(rules.rules[1]).toMatchObject({ name: 'vip', priority: 90 });
    expect((await versions()).map((v) => [v.version, v.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    // No new version row: a rollback re-activates, it does not copy.
    expect(await t.db.prisma.routingRuleSet.count()).toBe(2);
    expect(await simulate(complainer)).toMatchObject({ version: 1, rule: 'open-complaints', queue: 'complaints' });

    const entry = (await audit()).find((a) => a.action === 'rollback');
    expect(entry).toEqual({ action: 'rollback', version: 1, fromVersion: 2, by: ADMIN, comment: 'complaints team asked for their rule back', at: expect.any(String) });
  });

  it('refuses to roll back to a version that no longer validates (a skill no agent holds any more): 422, nothing changes', async () => {
    const senior = example();
    senior.rules.splice(2, 0, { name: 'arabic-senior', when: 'call.language == "ar" && customer.tier == "gold"', queue: 'billing', skills: { arabic_senior: 3 }, priority: 80 });
    const v3 = await publish(senior, 'senior Arabic desk');
    expect(v3.status).toBe(201);
    const v4 = await publish(example(), 'senior desk closed');
    expect(v4.status).toBe(201);
    expect(v4.body.version).toBe(v3.body.version + 1);

    // Hessa moves to sales: nobody holds arabic_senior any more.
    await t.services.agents.upsert('hessa', { name: 'Hessa', skills: { billing: 2, sales: 3 }, languages: ['ar'] });
    const before = await snapshot();
    const res = await rollback({ version: v3.body.version });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNPROCESSABLE');
    expect(res.body.error.message).toContain(`version ${v3.body.version}`);
    expect(res.body.error.details.errors).toContainEqual({ rule: 'arabic-senior', field: 'skills.arabic_senior', message: "unknown skill 'arabic_senior'" });
    expect(await snapshot()).toEqual(before);
    expect(before.active).toBe(v4.body.version);
  });

  it('refuses a rollback to a version that does not exist (404) or a malformed one (400)', async () => {
    const before = await snapshot();
    const missing = await rollback({ version: 77 });
    expect(missing.status).toBe(404);
    const junk = await rollback({ version: 'the good one' });
    expect(junk.status).toBe(400);
    expect(junk.body.error.message).toMatch(/^version/);
    const empty = await rollback({});
    expect(empty.status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the whole history in the audit, newest first', async () => {
    const items = await audit();
    expect(items.map((a) => [a.action, a.version])).toEqual([
      ['publish', 4],
      ['publish', 3],
      ['rollback', 1],
      ['publish', 2],
      ['publish', 1],
    ]);
    expect(items.every((a) => a.by === ADMIN)).toBe(true);
  });
});
