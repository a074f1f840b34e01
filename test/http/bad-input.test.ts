/**
 * Input no well-behaved client sends, at every edge of the API: each is a 4xx naming what
 * is wrong, and nothing is written.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
  await t.services.agents.upsert('noura', { name: 'Noura', skills: { billing: 3 }, languages: ['ar'] });
  await t.services.customers.upsert({ id: 'cust-1', name: 'Sara', phones: ['+966501234567'], language: 'ar', tier: 'standard' });
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const bearer = (role: TRole, sub?: string) => `Bearer ${t.token(role, sub)}`;

/** Row counts of every table a request here could write to. */
async function snapshot() {
  const p = t.db.prisma;
  const [customers, phones, interactions, agents, events, flows, ruleSets, queues] = await Promise.all([
    p.customer.count(),
    p.customerPhone.count(),
    p.interaction.count(),
    p.agent.count(),
    p.agentStateEvent.count(),
    p.ivrFlow.count(),
    p.routingRuleSet.count(),
    p.routingQueue.count(),
  ]);
  const stored = await p.customer.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, externalRef: true } });
  return { customers, phones, interactions, agents, events, flows, ruleSets, queues, stored };
}

const NUL = '\u0000';
const customer = (over: Record<string, unknown> = {}) => ({ name: 'Sara', phones: ['+966501234567'], ...over });
const interaction = (over: Record<string, unknown> = {}) => ({
  customerId: 'cust-1',
  channel: 'chat',
  type: 'message',
  at: '2026-02-01T09:00:00Z',
  summary: 'Asked about a refund',
  idempotencyKey: `k-${Math.random()}`,
  ...over,
});
const flow = (edit: (f: any) => void) => {
  const f: any = structuredClone(demoFlowDefinition);
  edit(f);
  return { definition: f };
};
const rules = (edit: (r: any) => void) => {
  const r: any = structuredClone(exampleRuleSet);
  edit(r);
  return r;
};

type Case = [label: string, method: 'put' | 'post', path: string, body: unknown, field: string, role?: TRole];

describe('a NUL byte anywhere in a JSON body', () => {
  const cases: Case[] = [
    ['a customer name', 'put', '/api/customers/cust-1', customer({ name: `Sa${NUL}ra` }), 'name'],
    ['a new customer', 'put', '/api/customers/cust-2', customer({ externalRef: `CRM${NUL}` }), 'externalRef'],
    ['a phone number in a list', 'put', '/api/customers/cust-2', customer({ phones: ['+966501234567', `+966501234568${NUL}`] }), 'phones.1'],
    ['the name of an unknown field', 'put', '/api/customers/cust-2', customer({ [`note${NUL}`]: 'x' }), 'note\\u0000'],
    ['an interaction summary', 'post', '/api/interactions', interaction({ summary: `refund${NUL}` }), 'summary'],
    ['an interaction text', 'post', '/api/interactions', interaction({ text: `a${NUL}b` }), 'text'],
    ['an idempotency key', 'post', '/api/interactions', interaction({ idempotencyKey: `k${NUL}` }), 'idempotencyKey'],
    ['an agent name', 'put', '/api/agents/noura', { name: `No${NUL}ura`, languages: ['ar'] }, 'name'],
    ['an IVR prompt deep in a flow', 'put', '/api/ivr/flows/main', flow((f) => (f.nodes.greet.prompt.en = `Hello${NUL}`)), 'definition.nodes.greet.prompt.en'],
    ['the name of an IVR node', 'put', '/api/ivr/flows/main', flow((f) => (f.nodes[`x${NUL}`] = f.nodes.greet)), 'definition.nodes.x\\u0000'],
    ['a flow comment', 'put', '/api/ivr/flows/main', { ...flow(() => {}), comment: `c${NUL}` }, 'comment'],
    ['a routing rule condition', 'post', '/api/routing/rules', rules((r) => (r.rules[0].when = `ivr.intent == "a${NUL}"`)), 'rules.0.when'],
    ['a routing rule skill name', 'post', '/api/routing/rules', rules((r) => (r.rules[1].skills = { [`bill${NUL}`]: 3 })), 'rules.1.skills.bill\\u0000'],
    ['a rule set sent for validation', 'post', '/api/routing/rules/validate', rules((r) => (r.rules[0].when = `ivr.intent == "a${NUL}"`)), 'rules.0.when'],
    ['a queue display name', 'put', '/api/routing/queues/general', { displayName: { ar: `عام${NUL}` } }, 'displayName.ar'],
    ['an away reason', 'put', '/api/agents/noura/status', { status: 'away', reason: `lunch${NUL}` }, 'reason', 'supervisor'],
  ];

  it.each(cases)('in %s is a 400 naming the field, and writes nothing', async (_label, method, path, body, field, role = 'admin') => {
    const before = await snapshot();
    const res = await request(t.app)[method](path).set('Authorization', bearer(role)).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(res.body.error.message).toMatch(/NUL/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('a lone UTF-16 surrogate (`\\ud800`), which PostgreSQL refuses in JSON', () => {
  const cases: Case[] = [
    ['an IVR prompt', 'put', '/api/ivr/flows/main', flow((f) => (f.nodes.greet.prompt.en = 'Hello \ud800')), 'definition.nodes.greet.prompt.en'],
    ['a customer name', 'put', '/api/customers/cust-1', customer({ name: 'Sara \udc00' }), 'name'],
    ['an agent skill name', 'put', '/api/agents/noura', { name: 'Noura', skills: { 'bill\ud800': 3 } }, 'skills.bill\\ud800'],
  ];

  it.each(cases)('in %s is a 400 naming the field, and writes nothing', async (_label, method, path, body, field, role = 'admin') => {
    const before = await snapshot();
    const res = await request(t.app)[method](path).set('Authorization', bearer(role)).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
    expect(res.body.error.message).toMatch(/surrogate/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('a NUL byte in a query string or path', () => {
  it.each([
    ['a phone lookup', `/api/customers?phone=%2B966501234567%00`, 'phone'],
    ['a query parameter name', `/api/customers?phone=%2B966501234567&x%00=1`, 'x\\u0000'],
    ['a timeline cursor', `/api/customers/cust-1/timeline?cursor=abc%00`, 'cursor'],
    ['a customer id', `/api/customers/cust%001`, 'id'],
  ])('in %s is a 400 naming it', async (_label, path, field) => {
    const res = await request(t.app).get(path).set('Authorization', bearer('admin'));
    expect(res.status).toBe(400);
    expect(res.body.error.message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('a path with a broken % escape', () => {
  it.each(['/api/customers/%E0%A4%A', '/api/customers/%', '/api/customers/%zz/timeline', '/api/routing/rules/versions/%'])('GET %s is a 400', async (path) => {
    const res = await request(t.app).get(path).set('Authorization', bearer('admin'));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^path: /) });
  });
});

describe('a body that does not match its Content-Encoding', () => {
  const raw = (encoding: string, body: Buffer | string) =>
    request(t.app).post('/api/interactions').set('Authorization', bearer('admin')).set('Content-Type', 'application/json').set('Content-Encoding', encoding)
      // As given: superagent would otherwise serialise a Buffer as JSON.
      .serialize((b: unknown) => b as string)
      .send(body);

  it.each(['gzip', 'deflate', 'br'])('claimed as %s but sent plain is a 400, and nothing is written', async (encoding) => {
    const before = await snapshot();
    const res = await raw(encoding, JSON.stringify(interaction()));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(encoding) });
    expect(await snapshot()).toEqual(before);
  });

  it('in an encoding the server does not know is a 415 naming it', async () => {
    const before = await snapshot();
    const res = await raw('x-squash', JSON.stringify(interaction()));
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('x-squash') });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('is still read when it really is %s', async (encoding, compress) => {
    const res = await raw(encoding, compress(JSON.stringify(interaction({ summary: `sent as ${encoding}` }))));
    expect(res.status).toBe(201);
    expect(res.body.summary).toBe(`sent as ${encoding}`);
  });
});
