/**
 * Regular expressions in routing rules and IVR flows run on RE2. The report: a rule
 * `call.from.matches("^(a+)+$")` simulated for 29 a's and "!" took seconds with the event
 * loop blocked, stalling every call on the node. Now it answers with the right result at
 * once, and a pattern RE2 cannot run (backreference, lookaround) is refused with a 422
 * naming the rule or node and the field, before anything is published.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const auth = (role: TRole) => `Bearer ${t.token(role, `${role}-layla`)}`;

beforeAll(async () => {
  t = await createTestApp(); // with the demo IVR flow as main v1
  await t.services.rules.addQueue('general', {});
  await t.services.rules.addQueue('sales', {});
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const ruleSet = (when: string) => ({ rules: [{ name: 'letters-only', when, queue: 'sales', priority: 60 }], default: { queue: 'general', priority: 10 } });
const publishedRuleSets = () => t.db.prisma.routingRuleSet.count();

describe('matches in routing rules', () => {
  it.each([
    ['29 a\'s and "!" (the reported input)', `${'a'.repeat(29)}!`, 'default', 'general'],
    ['34 a\'s and "!"', `${'a'.repeat(34)}!`, 'default', 'general'],
    ['29 a\'s', 'a'.repeat(29), 'letters-only', 'sales'],
  ])('simulates ^(a+)+$ against %s with the right rule', async (_label, from, rule, queue) => {
    const res = await request(t.app)
      .post('/api/routing/simulate')
      .set('Authorization', auth('supervisor'))
      .send({ call: { from }, rules: ruleSet('call.from.matches("^(a+)+$")') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ rule, queue });
  });

  it('refuses a backreference in validate and publish with 422 naming the rule and field, publishing nothing', async () => {
    const set = ruleSet('call.from.matches("^\\\\+966(\\\\d)\\\\1{6}")');
    const expected = { rule: 'letters-only', field: 'when', message: expect.stringMatching(/^matches\(\): unsupported regular expression .*no backreferences or lookaround/) };

    const validated = await request(t.app).post('/api/routing/rules/validate').set('Authorization', auth('admin')).send(set);
    expect(validated.status).toBe(422);
    expect(validated.body.errors).toEqual([expected]);

    const published = await request(t.app).post('/api/routing/rules').set('Authorization', auth('admin')).send(set);
    expect(published.status).toBe(422);
    expect(published.body.error.details.errors).toEqual([expected]);
    expect(await publishedRuleSets()).toBe(0);
  });
});

describe('matches in IVR flows', () => {
  it('refuses a lookahead in a branch condition with 422 naming the node and field, publishing nothing', async () => {
    const before = await t.db.prisma.ivrFlow.count();
    const flow: any = structuredClone(demoFlowDefinition);
    flow.nodes.route.cases[1].when = 'call.from.matches("^\\\\+966(?=5)")';
    const res = await request(t.app).put('/api/ivr/flows/main').set('Authorization', auth('admin')).send({ definition: flow });
    expect(res.status).toBe(422);
    expect(res.body.error.details.errors).toEqual([
      { path: 'nodes.route.cases[1].when', message: expect.stringMatching(/^matches\(\): unsupported regular expression .*lookaround/) },
    ]);
    expect(await t.db.prisma.ivrFlow.count()).toBe(before);
  });
});
