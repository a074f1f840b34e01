/**
 * A telephony admin checks a rule set before publishing it: every mistake comes back as
 * a 422 naming the rule and the field, junk never crashes the server, and only admins
 * may validate or publish (supervisors read).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

type Draft = { rules: Array<Record<string, unknown>>; default?: Record<string, unknown> };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
  // The example asks for billing >= 3 (vip) and >= 2 (arabic-billing): someone must hold the skill.
  await t.services.agents.upsert('noura', { name: 'Noura', skills: { billing: 4 }, languages: ['ar', 'en'] });
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const auth = (role: TRole, sub?: string) => `Bearer ${t.token(role, sub)}`;
const draft = (): Draft => structuredClone(exampleRuleSet) as unknown as Draft;
const rule = (set: Draft, name: string) => {
  const found = set.rules.find((r) => r.name === name);
  if (!found) throw new Error(`example has no rule ${name}`);
  return found;
};
const validate = (body: unknown, role: TRole = 'admin') =>
  request(t.app).post('/api/routing/rules/validate').set('Authorization', auth(role)).send(body as object);
const publishedCount = () => t.db.prisma.routingRuleSet.count();

describe('POST /api/routing/rules/validate', () => {
  it('accepts the worked example with 200 {valid: true}', async () => {
    const res = await validate(draft());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true });
  });

  it('validates exactly the body the editor will publish, comment included', async () => {
    const res = await validate({ ...draft(), comment: 'raise VIP threshold after Ramadan campaign' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true });
    expect(await publishedCount()).toBe(0);
  });

  it('names an unknown top-level field (a typo like "defualt")', async () => {
    const { default: def, ...rest } = draft();
    const res = await validate({ ...rest, defualt: def });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { rule: '', field: 'defualt', message: 'unknown field' },
        { rule: 'default', field: '', message: 'required' },
      ]),
    );
  });

  it.each<[string, (set: Draft) => void, { rule: string; field: string; message: string | RegExp }]>([
    [
      'a CEL syntax error',
      (set) => {
        rule(set, 'vip').when = 'customer.accountValue >= ';
      },
      { rule: 'vip', field: 'when', message: /\S/ },
    ],
    [
      'a condition reading a field that does not exist (customer.vip)',
      (set) => {
        rule(set, 'vip').when = 'customer.vip';
      },
      { rule: 'vip', field: 'when', message: /vip/ },
    ],
    [
      'a queue nobody has set up',
      (set) => {
        rule(set, 'arabic-billing').queue = 'mortgages';
      },
      { rule: 'arabic-billing', field: 'queue', message: "unknown queue 'mortgages'" },
    ],
    [
      'an overflow step to an unknown queue',
      (set) => {
        (rule(set, 'vip').steps as Array<Record<string, unknown>>)[1]!.queue = 'genral';
      },
      { rule: 'vip', field: 'steps[1].queue', message: "unknown queue 'genral'" },
    ],
    [
      'a skill no agent holds',
      (set) => {
        rule(set, 'vip').skills = { mortgages: 2 };
      },
      { rule: 'vip', field: 'skills.mortgages', message: "unknown skill 'mortgages'" },
    ],
    [
      'a rule that can never match because a `when: "true"` rule sits above it',
      (set) => {
        set.rules.splice(1, 0, { name: 'everyone', when: 'true', queue: 'general' });
      },
      { rule: 'vip', field: 'when', message: "unreachable: rule 'everyone' above always matches first" },
    ],
    [
      'a missing default target',
      (set) => {
        delete set.default;
      },
      { rule: 'default', field: '', message: 'required' },
    ],
  ])('rejects %s with 422 naming the rule and field, and publishes nothing', async (_label, mutate, expected) => {
    const set = draft();
    mutate(set);
    const res = await validate(set);
    expect(res.status).toBe(422);
    expect(res.body.valid).toBe(false);
    for (const e of res.body.errors as unknown[]) {
      expect(e).toEqual({ rule: expect.any(String), field: expect.any(String), message: expect.any(String) });
    }
    const message = typeof expected.message === 'string' ? expected.message : expect.stringMatching(expected.message);
    expect(res.body.errors).toContainEqual({ rule: expected.rule, field: expected.field, message });
    expect(await publishedCount()).toBe(0);
  });

  it('reports every shadowed rule after a catch-all, not just the first', async () => {
    const set = draft();
    set.rules.unshift({ name: 'everyone', when: '(true)', queue: 'general' });
    const res = await validate(set);
    expect(res.status).toBe(422);
    const unreachable = (res.body.errors as Array<{ rule: string; field: string }>).filter((e) => e.field === 'when').map((e) => e.rule);
    expect(unreachable).toEqual(['crisis', 'vip', 'arabic-billing', 'open-complaints']);
  });

  it.each<[string, string, string]>([
    ['JSON null', 'application/json', 'null'],
    ['a JSON array', 'application/json', '[]'],
    ['an array of numbers', 'application/json', '[1, 2, 3]'],
    ['a JSON string of Arabic text', 'application/json', JSON.stringify('قواعد التوجيه الجديدة')],
    ['Arabic plain text', 'text/plain; charset=utf-8', 'مرحبا، هذه ليست قواعد'],
    ['a 1 MB JSON string', 'application/json', JSON.stringify('x'.repeat(1024 * 1024))],
    ['a 1 MB Arabic JSON string', 'application/json', JSON.stringify('ع'.repeat(512 * 1024))],
    ['malformed JSON', 'application/json', '{"rules": ['],
    ['rules and default given as Arabic strings', 'application/json', JSON.stringify({ rules: 'القواعد', default: 'افتراضي' })],
    ['a rule with an Arabic name and condition', 'application/json', JSON.stringify({ rules: [{ name: 'كبار العملاء', when: 'العميل.مهم == صحيح', queue: 'عام' }], default: { queue: 'general' } })],
  ])('answers %s with a 4xx, never a 500, and publishes nothing', async (_label, type, raw) => {
    for (const path of ['/api/routing/rules/validate', '/api/routing/rules']) {
      const res = await request(t.app).post(path).set('Authorization', auth('admin')).set('Content-Type', type).send(raw);
      expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error ?? res.body.errors).toBeDefined();
    }
    expect(await publishedCount()).toBe(0);
  });
});

describe('who may do what', () => {
  let version: number;
  beforeAll(async () => {
    const res = await request(t.app).post('/api/routing/rules').set('Authorization', auth('admin', 'admin-layla')).send({ ...draft(), comment: 'baseline' });
    expect(res.status).toBe(201);
    version = res.body.version as number;
  });

  const reads = () => [
    ['GET /api/routing/rules', request(t.app).get('/api/routing/rules')],
    ['GET /api/routing/rules/versions', request(t.app).get('/api/routing/rules/versions')],
    [`GET /api/routing/rules/versions/${version}`, request(t.app).get(`/api/routing/rules/versions/${version}`)],
    ['GET /api/routing/rules/diff', request(t.app).get(`/api/routing/rules/diff?from=${version}&to=${version}`)],
    ['GET /api/routing/audit', request(t.app).get('/api/routing/audit')],
    ['POST /api/routing/simulate', request(t.app).post('/api/routing/simulate').send({ customer: { accountValue: 250000 } })],
  ] as const;
  const writes = () => [
    ['POST /api/routing/rules/validate', request(t.app).post('/api/routing/rules/validate').send(draft())],
    ['POST /api/routing/rules', request(t.app).post('/api/routing/rules').send({ ...draft(), comment: 'sneaky' })],
    ['POST /api/routing/rules/rollback', request(t.app).post('/api/routing/rules/rollback').send({ version })],
  ] as const;

  it('lets a supervisor read rules, versions, a version, diffs, the audit and simulate', async () => {
    for (const [label, req] of reads()) {
      const res = await req.set('Authorization', auth('supervisor', 'sup-omar'));
      expect(res.status, label).toBe(200);
    }
  });

  it('refuses a supervisor validating, publishing or rolling back (403) and changes nothing', async () => {
    for (const [label, req] of writes()) {
      const res = await req.set('Authorization', auth('supervisor', 'sup-omar'));
      expect(res.status, label).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect(await publishedCount()).toBe(1);
    expect(await t.db.prisma.routingAudit.count()).toBe(1);
  });

  it('refuses an agent everything on the routing admin API (403)', async () => {
    for (const [label, req] of [...reads(), ...writes()]) {
      const res = await req.set('Authorization', auth('agent', 'noura'));
      expect(res.status, label).toBe(403);
    }
    expect(await publishedCount()).toBe(1);
  });

  it('refuses requests without a valid token (401)', async () => {
    for (const [label, req] of [...reads(), ...writes()]) {
      const res = await req;
      expect(res.status, label).toBe(401);
    }
    const forged = await request(t.app).get('/api/routing/rules').set('Authorization', 'Bearer not.a.jwt');
    expect(forged.status).toBe(401);
  });
});
