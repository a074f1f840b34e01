/**
 * Agents set their own presence from the softphone (available / away with a reason /
 * offline); supervisors may set anyone's. Every change is a timestamped AgentStateEvent
 * for the KPIs, and nobody can click their way out of an offer or a call.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { createTestApp, OPEN_HOURS, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const minutes = (n: number) => new Date(OPEN_HOURS.getTime() + n * 60_000);

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  await t.services.agents.upsert('noura', { name: 'Noura', skills: { billing: 3 }, languages: ['ar', 'en'] });
  await t.services.agents.upsert('khalid', { name: 'Khalid', skills: { support: 2 }, languages: ['ar'] });
  await t.services.agents.upsert('reem', { name: 'Reem', skills: { sales: 2 }, languages: ['en'] });
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

const setStatus = (agentId: string, body: unknown, as: { role: TRole; sub: string } = { role: 'agent', sub: agentId }) =>
  request(t.app).put(`/api/agents/${agentId}/status`).set('Authorization', `Bearer ${t.token(as.role, as.sub)}`).send(body as object);
const row = (id: string) => t.db.prisma.agent.findUniqueOrThrow({ where: { id } });
const events = (agentId: string) => t.db.prisma.agentStateEvent.findMany({ where: { agentId }, orderBy: { at: 'asc' } });

describe('PUT /api/agents/:id/status', () => {
  it('lets an agent go available, away with a reason, then offline, recording each change with its time', async () => {
    const steps: Array<[Date, Record<string, string>, { state: string; reason: string | null }]> = [
      [minutes(0), { status: 'available' }, { state: 'available', reason: null }],
      [minutes(5), { status: 'away', reason: 'prayer' }, { state: 'away', reason: 'prayer' }],
      [minutes(20), { status: 'available' }, { state: 'available', reason: null }],
      [minutes(45), { status: 'offline' }, { state: 'offline', reason: null }],
    ];
    for (const [at, body, expected] of steps) {
      t.clock.now = at;
      const res = await setStatus('noura', body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ agentId: 'noura', ...expected, at: at.toISOString(), changed: true });
      expect(await row('noura')).toMatchObject({ state: expected.state, stateReason: expected.reason, stateSince: at });
    }
    const written = await events('noura');
    expect(written.map((e) => ({ state: e.state, reason: e.reason, source: e.source, at: e.at }))).toEqual(
      steps.map(([at, , expected]) => ({ ...expected, source: 'api', at })),
    );
  });

  it('starts the idle clock when an agent becomes available, not when they click available again', async () => {
    t.clock.now = minutes(60);
    expect((await setStatus('noura', { status: 'available' })).status).toBe(200);
    t.clock.now = minutes(70);
    expect((await setStatus('noura', { status: 'available' })).status).toBe(200);
    expect((await row('noura')).idleSince).toEqual(minutes(60));
  });

  it('answers the same status again with the current state and changes nothing: no event, no update', async () => {
    await t.services.agents.upsert('salma', { name: 'Salma', skills: { support: 1 }, languages: ['ar'] });
    t.clock.now = minutes(200);
    expect((await setStatus('salma', { status: 'away', reason: 'prayer' })).body).toMatchObject({ changed: true });
    const before = await row('salma');
    t.clock.now = minutes(201);
    const again = await setStatus('salma', { status: 'away', reason: 'prayer' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ agentId: 'salma', state: 'away', reason: 'prayer', at: minutes(200).toISOString(), changed: false });
    // Ten identical clicks at once (two tabs, a double-click): still nothing new.
    const clicks = await Promise.all(Array.from({ length: 10 }, () => setStatus('salma', { status: 'away', reason: 'prayer' })));
    expect(clicks.map((c) => c.status)).toEqual(Array(10).fill(200));
    expect(await row('salma')).toEqual(before);
    expect((await events('salma')).map((e) => [e.state, e.reason])).toEqual([['away', 'prayer']]);

    // Another reason is a change; so is available, once.
    t.clock.now = minutes(202);
    expect((await setStatus('salma', { status: 'away', reason: 'lunch' })).body).toMatchObject({ reason: 'lunch', changed: true });
    t.clock.now = minutes(203);
    await setStatus('salma', { status: 'available' });
    t.clock.now = minutes(204);
    expect((await setStatus('salma', { status: 'available' })).body).toEqual({ agentId: 'salma', state: 'available', reason: null, at: minutes(203).toISOString(), changed: false });
    expect((await events('salma')).map((e) => [e.state, e.reason, e.at])).toEqual([
      ['away', 'prayer', minutes(200)],
      ['away', 'lunch', minutes(202)],
      ['available', null, minutes(203)],
    ]);
  });

  it('records "away" as the reason when an agent goes away without giving one', async () => {
    t.clock.now = minutes(80);
    const res = await setStatus('noura', { status: 'away' });
    expect(res.status).toBe(200);
    expect(res.body.reason).toBe('away');
    expect((await events('noura')).at(-1)).toMatchObject({ state: 'away', reason: 'away', at: minutes(80) });
  });

  it("refuses an agent changing another agent's status (403) and changes nothing", async () => {
    const before = await row('khalid');
    const res = await setStatus('khalid', { status: 'available' }, { role: 'agent', sub: 'noura' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(await row('khalid')).toEqual(before);
    expect(await events('khalid')).toEqual([]);
  });

  it("lets a supervisor (and an admin) change anyone's status", async () => {
    t.clock.now = minutes(90);
    const bySupervisor = await setStatus('khalid', { status: 'away', reason: 'coaching' }, { role: 'supervisor', sub: 'sup-omar' });
    expect(bySupervisor.status).toBe(200);
    expect(await row('khalid')).toMatchObject({ state: 'away', stateReason: 'coaching' });
    const byAdmin = await setStatus('khalid', { status: 'offline' }, { role: 'admin', sub: 'admin-layla' });
    expect(byAdmin.status).toBe(200);
    expect((await events('khalid')).map((e) => e.state)).toEqual(['away', 'offline']);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown status', { status: 'lunch' }, /^status:/],
    ['a system-only status (busy)', { status: 'busy' }, /^status:/],
    ['no status at all', {}, /^status:/],
    ['an Arabic status', { status: 'متاح' }, /^status:/],
    ['a status that is not text', { status: 1 }, /^status:/],
    ['an over-long reason', { status: 'away', reason: 'r'.repeat(101) }, /^reason:/],
    ['an empty reason', { status: 'away', reason: '   ' }, /^reason:/],
  ])('answers %s with 400 naming the field and changes nothing', async (_label, body, field) => {
    const before = await row('reem');
    const res = await setStatus('reem', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(field) });
    expect(await row('reem')).toEqual(before);
    expect(await events('reem')).toEqual([]);
  });

  it('answers a garbage body (JSON null, an array) with 400, never 500', async () => {
    for (const raw of ['null', '["available"]', '"available"']) {
      const res = await request(t.app).put('/api/agents/reem/status').set('Authorization', `Bearer ${t.token('agent', 'reem')}`).set('Content-Type', 'application/json').send(raw);
      expect(res.status, raw).toBe(400);
    }
  });

  it('answers 404 for an agent that does not exist', async () => {
    const bySupervisor = await setStatus('ghost', { status: 'available' }, { role: 'supervisor', sub: 'sup-omar' });
    expect(bySupervisor.status).toBe(404);
    expect(bySupervisor.body.error.code).toBe('NOT_FOUND');
    // A token for an agent whose profile was never created.
    expect((await setStatus('ghost', { status: 'available' })).status).toBe(404);
    expect(await events('ghost')).toEqual([]);
  });

  it('answers 400 for an id that cannot be an agent id', async () => {
    const res = await setStatus('no%20spaces', { status: 'available' }, { role: 'supervisor', sub: 'sup-omar' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^id:/);
  });

  it.each(['reserved', 'busy'])('refuses every status click while the agent is %s (409) and changes nothing', async (state) => {
    t.clock.now = minutes(100);
    await t.db.prisma.agent.update({ where: { id: 'reem' }, data: { state, stateSince: minutes(99) } });
    const before = await row('reem');
    const eventsBefore = await events('reem');
    for (const status of ['available', 'away', 'offline']) {
      for (const as of [{ role: 'agent' as const, sub: 'reem' }, { role: 'supervisor' as const, sub: 'sup-omar' }]) {
        const res = await setStatus('reem', { status, ...(status === 'away' ? { reason: 'break' } : {}) }, as);
        expect(res.status, `${as.role} -> ${status}`).toBe(409);
        expect(res.body.error).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(state) });
      }
    }
    expect(await row('reem')).toEqual(before);
    expect(await events('reem')).toEqual(eventsBefore);
  });

  it('lets an agent in wrap-up become available again', async () => {
    t.clock.now = minutes(110);
    await t.db.prisma.agent.update({ where: { id: 'reem' }, data: { state: 'wrap_up', wrapUpUntil: minutes(111) } });
    const res = await setStatus('reem', { status: 'available' });
    expect(res.status).toBe(200);
    expect(await row('reem')).toMatchObject({ state: 'available', wrapUpUntil: null, idleSince: minutes(110) });
  });

  it('requires a token (401)', async () => {
    const res = await request(t.app).put('/api/agents/noura/status').send({ status: 'available' });
    expect(res.status).toBe(401);
  });
});
