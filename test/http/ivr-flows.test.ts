import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(); // publishes the demo flow as main v1
});
afterAll(async () => {
  await t?.close();
});

const auth = (role: Parameters<TestApp['token']>[0]) => `Bearer ${t.token(role)}`;
const putFlow = (body: unknown, role: Parameters<TestApp['token']>[0] = 'admin') =>
  request(t.app).put('/api/ivr/flows/main').set('Authorization', auth(role)).send(body as object);
const versionsInDb = async () => (await t.db.prisma.ivrFlow.findMany({ where: { name: 'main' }, orderBy: { version: 'asc' } })).map((r) => r.version);
const demo = (): any => structuredClone(demoFlowDefinition);

describe('IVR flow publishing', () => {
  it('rejects an invalid flow with 422 naming the broken node, and publishes nothing', async () => {
    const before = await versionsInDb();
    const broken = demo();
    broken.nodes.main.options[0].next = 'no_such_node';
    const res = await putFlow({ definition: broken, comment: 'typo' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('UNPROCESSABLE');
    expect(res.body.error.details.errors).toContainEqual({ path: 'nodes.main.options[0].next', message: expect.stringMatching(/no_such_node/) });
    expect(await versionsInDb()).toEqual(before);
    const active = await request(t.app).get('/api/ivr/flows/main').set('Authorization', auth('admin'));
    expect(active.body.definition.nodes.main.options[0].next).toBe(demo().nodes.main.options[0].next);
  });

  it('rejects a flow whose name differs from the URL with 422, publishing nothing', async () => {
    const before = await versionsInDb();
    const res = await putFlow({ definition: { ...demo(), name: 'other' } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^name:/);
    expect(await versionsInDb()).toEqual(before);
  });

  it('rejects a request with no definition with a 400 naming definition, storing nothing', async () => {
    const before = await versionsInDb();
    const res = await putFlow({ comment: 'forgot it' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^definition:/);
    expect(await versionsInDb()).toEqual(before);
  });

  it('publishes a valid flow as a new active version (201)', async () => {
    const before = await versionsInDb();
    const next = demo();
    next.nodes.greet.prompt.en = 'Hello and welcome.';
    const res = await putFlow({ definition: next, comment: 'new greeting' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ name: 'main', version: Math.max(...before) + 1 });
    const rows = await t.db.prisma.ivrFlow.findMany({ where: { name: 'main' } });
    expect(rows.filter((r) => r.active).map((r) => r.version)).toEqual([res.body.version]);
    expect(rows.find((r) => r.version === res.body.version)).toMatchObject({ comment: 'new greeting', createdBy: 'test-admin' });
  });

  it('publishes ten flows sent at the same moment one after the other: each 201 with its own version, the last active', async () => {
    const before = await versionsInDb();
    const drafts = Array.from({ length: 10 }, (_, i) => {
      const d = demo();
      d.nodes.greet.prompt.en = `Welcome, take ${i}.`;
      return { definition: d, comment: `take ${i}` };
    });
    const answers = await Promise.all(drafts.map((d) => putFlow(d)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const first = Math.max(...before) + 1;
    const published = answers.map((a) => a.body.version as number).sort((a, b) => a - b);
    expect(published).toEqual(Array.from({ length: 10 }, (_, i) => first + i));
    expect(await versionsInDb()).toEqual([...before, ...published]);
    // Each answer's version holds that request's flow.
    const rows = await t.db.prisma.ivrFlow.findMany({ where: { name: 'main', version: { gte: first } } });
    for (const [i, a] of answers.entries()) expect(rows.find((r) => r.version === a.body.version)?.comment).toBe(`take ${i}`);
    expect((await t.db.prisma.ivrFlow.findMany({ where: { name: 'main', active: true } })).map((r) => r.version)).toEqual([first + 9]);
    // Callers get the active version, whichever request finished last here.
    const active = await request(t.app).get('/api/ivr/flows/main').set('Authorization', auth('admin'));
    expect(active.body.version).toBe(first + 9);
    expect(active.body.definition.nodes.greet.prompt.en).toBe(`Welcome, ${rows.find((r) => r.version === first + 9)?.comment}.`);
    expect((await t.services.flows.active('main'))?.version).toBe(first + 9);
    // The greeting the next test expects.
    const restore = demo();
    restore.nodes.greet.prompt.en = 'Hello and welcome.';
    expect((await putFlow({ definition: restore })).status).toBe(201);
  });

  it('shows supervisors the active version, its definition and the version history', async () => {
    const res = await request(t.app).get('/api/ivr/flows/main').set('Authorization', auth('supervisor'));
    expect(res.status).toBe(200);
    const latest = Math.max(...(await versionsInDb()));
    expect(res.body.version).toBe(latest);
    expect(res.body.definition.nodes.greet.prompt.en).toBe('Hello and welcome.');
    expect(res.body.versions.map((v: { version: number }) => v.version)).toEqual([...(await versionsInDb())].reverse());
    expect(res.body.versions.filter((v: { active: boolean }) => v.active)).toEqual([expect.objectContaining({ version: latest })]);
  });

  it('forbids a supervisor from publishing (403) and keeps the versions unchanged', async () => {
    const before = await versionsInDb();
    const res = await putFlow({ definition: demo() }, 'supervisor');
    expect(res.status).toBe(403);
    expect(await versionsInDb()).toEqual(before);
  });

  it('forbids agents from reading flows (403)', async () => {
    const res = await request(t.app).get('/api/ivr/flows/main').set('Authorization', auth('agent'));
    expect(res.status).toBe(403);
  });

  it('answers 404 for a flow that was never published and 400 for an invalid flow name', async () => {
    const missing = await request(t.app).get('/api/ivr/flows/none').set('Authorization', auth('admin'));
    expect(missing.status).toBe(404);
    const bad = await request(t.app).get('/api/ivr/flows/Bad%20Name').set('Authorization', auth('admin'));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^name:/);
  });
});
