/**
 * A version number is the only thing an admin types into a rollback, a diff or a version
 * page. Anything that is not a published version number (null, "", [], 0, -1, 1.5, "abc",
 * a space, a hex or exponent spelling) is a 400 naming the field, activates nothing and
 * audits nothing; a well-formed version that was never published is a 404.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
  await t.services.agents.upsert('noura', { name: 'Noura', skills: { billing: 4 }, languages: ['ar', 'en'] });
  for (const comment of ['v1', 'v2']) {
    const res = await request(t.app)
      .post('/api/routing/rules')
      .set('Authorization', `Bearer ${t.token('admin', 'admin-layla')}`)
      .send({ ...structuredClone(exampleRuleSet), comment });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const rollback = (body: unknown) =>
  request(t.app).post('/api/routing/rules/rollback').set('Authorization', `Bearer ${t.token('admin', 'admin-layla')}`).send(body as object);
const get = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${t.token('supervisor', 'sup-omar')}`);

/** What a refused rollback must leave alone. */
const snapshot = async () => ({
  active: (await t.db.prisma.routingActive.findUnique({ where: { id: 1 } }))?.version,
  audits: await t.db.prisma.routingAudit.count(),
  rules: (await get('/api/routing/rules')).body as unknown,
});

describe('rollback version', () => {
  const junk: Array<[string, unknown]> = [
    ['null', null],
    ['empty string', ''],
    ['empty array', []],
    ['zero', 0],
    ['negative', -1],
    ['fraction', 1.5],
    ['word', 'abc'],
    ['numeric string', '1'],
    ['object', { v: 1 }],
    ['boolean', true],
    ['beyond the version range', 2 ** 31],
  ];

  it.each(junk)('refuses %s with 400 naming version, activates and audits nothing', async (_label, version) => {
    const before = await snapshot();
    expect(before.active).toBe(2);
    const res = await rollback({ version });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toMatch(/^version: /);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a missing version with 400 naming version', async () => {
    const res = await rollback({ comment: 'no version' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^version: /);
  });

  it('answers 404 for a well-formed version that was never published, and changes nothing', async () => {
    const before = await snapshot();
    const res = await rollback({ version: 3 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(await snapshot()).toEqual(before);
  });

  it('is refused by the rule store itself too: version 0 (the built-in set) is never activated', async () => {
    const before = await snapshot();
    await expect(t.services.rules.rollback(0, { by: 'script' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^version: /) });
    await expect(t.services.rules.get(0)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await snapshot()).toEqual(before);
  });

  it('still rolls back to a published version', async () => {
    const res = await rollback({ version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await snapshot()).active).toBe(1);
    const back = await rollback({ version: 2 });
    expect(back.status).toBe(200);
  });
});

describe('version in a path or query', () => {
  // Each spelling is what lands in the path segment or query value after URL decoding.
  const junkText = ['%20', '0', '-1', '1.5', 'abc', '0x1', '1e0', '01', '+1', '%201', '99999999999'];

  it.each(junkText)('GET /versions/%s is a 400 naming version', async (text) => {
    const res = await get(`/api/routing/rules/versions/${text}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.message).toMatch(/^version: /);
  });

  it('GET /versions/<never published> is a 404', async () => {
    const res = await get('/api/routing/rules/versions/3');
    expect(res.status).toBe(404);
  });

  it.each([
    ['from=&to=', 'from'],
    ['from=1&to=', 'to'],
    ['from=%20&to=1', 'from'],
    ['from=1&to=0', 'to'],
    ['from=1&to=-2', 'to'],
    ['from=1.5&to=1', 'from'],
    ['from=1&to=abc', 'to'],
    ['from=1&from=2&to=1', 'from'],
    ['from[x]=1&to=1', 'from'],
  ])('GET /diff?%s is a 400 naming %s', async (query, field) => {
    const res = await get(`/api/routing/rules/diff?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.message).toMatch(new RegExp(`^${field}: `));
  });

  it('GET /diff between published versions still answers, and a never-published one is a 404', async () => {
    expect((await get('/api/routing/rules/diff?from=1&to=2')).status).toBe(200);
    expect((await get('/api/routing/rules/diff?from=1&to=3')).status).toBe(404);
  });
});
