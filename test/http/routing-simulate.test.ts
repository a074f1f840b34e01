/**
 * A telephony admin asks "what would happen to this call?": which rule wins and why the
 * others did not, which queue, which agent now and at each escalation step, and why free
 * agents were passed over. Simulating changes nothing, and a draft can be tried unpublished.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import type { SimulationResult } from '../../src/routing/simulate.js';
import { createTestApp, OPEN_HOURS, type TestApp } from '../helpers/test-app.js';

type Draft = { rules: Array<Record<string, unknown>>; default: Record<string, unknown> };
/** The response body: the simulation without its `ok` tag. */
type Simulation = Omit<Extract<SimulationResult, { ok: true }>, 'ok'>;

let t: TestApp;
const minutes = (n: number) => new Date(OPEN_HOURS.getTime() + n * 60_000);
const auth = (role: TRole, sub?: string) => `Bearer ${t.token(role, sub)}`;
const example = (): Draft => structuredClone(exampleRuleSet) as unknown as Draft;

async function setStatus(agentId: string, status: string, at: Date, reason?: string) {
  t.clock.now = at;
  const res = await request(t.app)
    .put(`/api/agents/${agentId}/status`)
    .set('Authorization', auth('agent', agentId))
    .send({ status, ...(reason ? { reason } : {}) });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
  const agents = t.services.agents;
  await agents.upsert('farah', { name: 'Farah', skills: { billing: 5 }, languages: ['ar'] });
  await agents.upsert('carla', { name: 'Carla', skills: { billing: 3 }, languages: ['en'] });
  await agents.upsert('basil', { name: 'Basil', skills: { billing: 5 }, languages: ['en'] });
  await agents.upsert('dana', { name: 'Dana', skills: { billing: 1 }, languages: ['en'] });
  // Known idle order: Farah longest, then Carla, Basil, Dana. Alphabetical order would pick Basil.
  await setStatus('farah', 'available', minutes(0));
  await setStatus('carla', 'available', minutes(1));
  await setStatus('basil', 'available', minutes(2));
  await setStatus('dana', 'available', minutes(3));
  t.clock.now = minutes(10);
  const published = await request(t.app).post('/api/routing/rules').set('Authorization', auth('admin', 'admin-layla')).send({ ...example(), comment: 'example' });
  expect(published.status).toBe(201);
});
afterAll(async () => {
  await t?.services.routing.stop();
  await t?.close();
});

async function simulate(body: unknown, role: TRole = 'supervisor'): Promise<Simulation> {
  const res = await request(t.app).post('/api/routing/simulate').set('Authorization', auth(role, 'sup-omar')).send(body as object);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Simulation;
}

const vipCall = (language: string) => ({
  call: { from: '+966501112233', language, queue: 'billing', waitSeconds: 0 },
  customer: { known: true, tier: 'gold', accountValue: 250000, openComplaints: 0, sentiment: 0.2 },
  ivr: { path: ['main', 'billing'], intent: 'billing' },
});

describe('POST /api/routing/simulate', () => {
  it('sends a VIP (account value 250 000) to the priority queue by rule vip, explaining why crisis was skipped', async () => {
    const sim = await simulate(vipCall('en'));
    expect(sim).toMatchObject({ version: 1, rule: 'vip', queue: 'priority', priority: 90 });
    expect(sim.skipped).toEqual([{ rule: 'crisis', reason: expect.stringMatching(/^condition false: /) }]);
    expect(sim.skipped[0]!.reason).toBe('condition false: ivr.intent == "crisis" || customer.sentiment < -0.7');
  });

  it('shows the escalation: billing>=3 at first, any agent after 30 s, general with a callback offer after 120 s', async () => {
    const { steps } = await simulate(vipCall('en'));
    expect(steps.map(({ afterSeconds, queue, priority, skills, offerCallback }) => ({ afterSeconds, queue, priority, skills, offerCallback }))).toEqual([
      { afterSeconds: 0, queue: 'priority', priority: 90, skills: { billing: 3 }, offerCallback: false },
      { afterSeconds: 30, queue: 'priority', priority: 90, skills: {}, offerCallback: false },
      { afterSeconds: 120, queue: 'general', priority: 90, skills: {}, offerCallback: true },
    ]);
  });

  it('picks the longest-idle available agent with billing>=3 who speaks the call language', async () => {
    const sim = await simulate(vipCall('en'));
    // Farah has waited longest but speaks only Arabic; Carla is next and qualifies.
    expect(sim.agent).toEqual({ id: 'carla', name: 'Carla' });
    expect(sim.steps[0]!.agent).toEqual(sim.agent);
    expect(sim.steps[0]!.passedOver).toEqual(
      expect.arrayContaining([
        { agentId: 'farah', reason: 'does not speak en' },
        { agentId: 'dana', reason: 'missing skill billing>=3 (has 1)' },
      ]),
    );
    expect(sim.steps[0]!.passedOver.map((p) => p.agentId)).not.toContain('carla');
    expect(sim.steps[0]!.passedOver.map((p) => p.agentId)).not.toContain('basil');

    // An Arabic VIP call gets Farah, the longest idle of all.
    expect((await simulate(vipCall('ar'))).agent).toEqual({ id: 'farah', name: 'Farah' });
  });

  it('follows presence: once Carla goes away, Basil (next longest idle) is chosen', async () => {
    await setStatus('carla', 'away', minutes(11), 'break');
    expect((await simulate(vipCall('en'))).agent).toEqual({ id: 'basil', name: 'Basil' });
    await setStatus('carla', 'available', minutes(12));
    // Back from a break Carla is now the most recently idle: Basil still wins.
    expect((await simulate(vipCall('en'))).agent).toEqual({ id: 'basil', name: 'Basil' });
    t.clock.now = minutes(20);
  });

  it('gives agent null with passedOver reasons for an Arabic call when no Arabic speaker is available', async () => {
    await setStatus('farah', 'away', minutes(21), 'training');
    const sim = await simulate(vipCall('ar'));
    expect(sim.rule).toBe('vip');
    expect(sim.agent).toBeNull();
    for (const step of sim.steps) {
      expect(step.agent).toBeNull();
      expect(step.passedOver).toEqual(
        expect.arrayContaining([
          { agentId: 'basil', reason: 'does not speak ar' },
          { agentId: 'carla', reason: 'does not speak ar' },
          { agentId: 'dana', reason: 'does not speak ar' },
        ]),
      );
    }
    // Away agents are not "passed over": they were never free.
    expect(sim.steps[0]!.passedOver.map((p) => p.agentId)).not.toContain('farah');
    await setStatus('farah', 'available', minutes(22));
  });

  it('sends an unknown caller to the queue chosen in the IVR (sales) when no rule matches, not to default.queue', async () => {
    const sim = await simulate({
      call: { from: '+966509998877', language: 'en', queue: 'sales' },
      customer: { known: false },
      ivr: { path: ['main', 'sales'], intent: 'sales' },
    });
    expect(sim).toMatchObject({ rule: 'default', queue: 'sales', priority: 10 });
    expect(sim.skipped.map((s) => s.rule)).toEqual(['crisis', 'vip', 'arabic-billing', 'open-complaints']);
    expect(sim.steps).toHaveLength(1);
    expect(sim.steps[0]).toMatchObject({ afterSeconds: 0, queue: 'sales', skills: {}, offerCallback: false });
    // Without an IVR choice the default queue applies.
    expect(await simulate({ customer: { known: false } })).toMatchObject({ rule: 'default', queue: 'general' });
  });

  it('lets a matching rule override the IVR choice (a VIP who pressed sales still goes to priority)', async () => {
    const sim = await simulate({ ...vipCall('en'), call: { language: 'en', queue: 'sales' } });
    expect(sim).toMatchObject({ rule: 'vip', queue: 'priority' });
  });

  it('simulates a draft in the body without publishing it', async () => {
    const before = await t.db.prisma.routingRuleSet.count();
    const draft = example();
    draft.rules.find((r) => r.name === 'vip')!.queue = 'billing';
    const sim = await simulate({ ...vipCall('en'), rules: draft });
    expect(sim).toMatchObject({ rule: 'vip', queue: 'billing' });
    expect(sim.steps[0]!.queue).toBe('billing');

    expect(await t.db.prisma.routingRuleSet.count()).toBe(before);
    const versions = await request(t.app).get('/api/routing/rules/versions').set('Authorization', auth('supervisor'));
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    // The live rules still say priority.
    expect(await simulate(vipCall('en'))).toMatchObject({ version: 1, rule: 'vip', queue: 'priority' });
  });

  it('refuses an invalid draft with 422 naming the rule and field, publishing nothing', async () => {
    const draft = example();
    draft.rules.find((r) => r.name === 'vip')!.queue = 'vip-lounge';
    const res = await request(t.app).post('/api/routing/simulate').set('Authorization', auth('admin')).send({ ...vipCall('en'), rules: draft });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ valid: false, errors: [{ rule: 'vip', field: 'queue', message: "unknown queue 'vip-lounge'" }] });
    expect(await t.db.prisma.routingRuleSet.count()).toBe(1);
  });

  it('changes nothing: no queue entry, reservation, presence change or audit entry', async () => {
    const agentsBefore = await t.db.prisma.agent.findMany({ orderBy: { id: 'asc' } });
    const eventsBefore = await t.db.prisma.agentStateEvent.count();
    await simulate(vipCall('en'));
    await simulate(vipCall('ar'), 'admin');
    expect(await t.db.prisma.queueEntry.count()).toBe(0);
    expect(await t.db.prisma.reservation.count()).toBe(0);
    expect(await t.db.prisma.routingAudit.count()).toBe(1);
    expect(await t.db.prisma.agentStateEvent.count()).toBe(eventsBefore);
    expect(await t.db.prisma.agent.findMany({ orderBy: { id: 'asc' } })).toEqual(agentsBefore);
  });

  it.each<[string, unknown]>([
    ['call as a string', { call: 'مكالمة' }],
    ['customer as an array', { customer: [1, 2] }],
    ['ivr as a number', { ivr: 7 }],
  ])('answers a body with %s with 400 naming the field', async (_label, body) => {
    const res = await request(t.app).post('/api/routing/simulate').set('Authorization', auth('supervisor')).send(body as object);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^(call|customer|ivr):/);
  });

  it('treats mistyped or Arabic field values as an unknown caller instead of failing', async () => {
    const sim = await simulate({ call: { language: 'عربي', waitSeconds: 'long' }, customer: { accountValue: 'كثير', sentiment: 'غاضب' }, ivr: { intent: 'أزمة', path: 'x' } });
    expect(sim).toMatchObject({ rule: 'default', queue: 'general' });
  });
});
