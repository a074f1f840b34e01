import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactEvent as connectEvent } from '../webhooks/connect/connect-events.js';
import { agentArn, createConnectTestApp, queueArn, type ConnectTestApp } from '../webhooks/connect/connect-test-app.js';

// Amazon Connect runs its own line: its contacts reach the KPIs only through their contact events.
let t: ConnectTestApp;
let seq = 0;
const newContactId = () => `${(++seq).toString(16).padStart(8, 'd')}-1111-4222-8333-444455556666`;
const base = () => t.clock.now;
let start: Date;
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000).toISOString();

const contactEvent = (eventType: string, contactId: string, detail: Record<string, unknown> = {}) =>
  connectEvent(eventType, contactId, detail, { time: at(600), initiatedAt: at(0) });
const queued = (id: string, queue: number, s: number) => contactEvent('QUEUED', id, { queueInfo: { queueArn: queueArn(queue), queueType: 'STANDARD', enqueueTimestamp: at(s) } });
const connected = (id: string, queue: number, agent: number, queuedAt: number, s: number) =>
  contactEvent('CONNECTED_TO_AGENT', id, { queueInfo: { queueArn: queueArn(queue), enqueueTimestamp: at(queuedAt) }, agentInfo: { agentArn: agentArn(agent), connectedToAgentTimestamp: at(s) } });
const disconnected = (id: string, s: number) => contactEvent('DISCONNECTED', id, { disconnectTimestamp: at(s) });
const completed = (id: string, s: number) => contactEvent('COMPLETED', id, { disconnectTimestamp: at(s) });

const kpis = (query: Record<string, string>) =>
  request(t.app).get('/api/analytics/kpis').query({ from: '2026-11-29', to: '2026-11-30', interval: '1d', ...query }).set('Authorization', `Bearer ${t.token('supervisor')}`);

beforeAll(async () => {
  t = await createConnectTestApp();
  start = base();
  // Sara is linked to her Connect user; Khalid (agentArn(2)) is not linked to anyone here.
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], connectAgentArn: agentArn(1) });
});
afterAll(async () => {
  await t.close();
});

describe('KPIs of Amazon Connect contacts', () => {
  it('counts an answered, an abandoned and a short-abandoned contact of the Connect queue, with ASA and handle time from their contact events, delivered out of order and twice', async () => {
    const answered = newContactId();
    const abandoned = newContactId();
    const shortAbandon = newContactId();
    const unlinked = newContactId();
    const deliveries = [
      // Answered by Sara 12 s after joining the Priority queue, 120 s of talk.
      disconnected(answered, 152), queued(answered, 3, 20), connected(answered, 3, 1, 20, 32), completed(answered, 170),
      // Hung up after 45 s in line.
      queued(abandoned, 3, 30), disconnected(abandoned, 75), completed(abandoned, 75),
      // Hung up after 3 s in line: a short abandon, not offered to the abandonment rate.
      queued(shortAbandon, 3, 40), disconnected(shortAbandon, 43),
      // Answered after 30 s by a Connect user who is none of our agents: still answered, for the queue.
      queued(unlinked, 3, 50), connected(unlinked, 3, 2, 50, 80), disconnected(unlinked, 140),
    ];
    for (const e of [...deliveries, ...[...deliveries].reverse()]) await t.connect.contactEvent(e);

    t.clock.now = new Date(start.getTime() + 300_000);
    await t.services.analytics.refresh();

    const priority = await kpis({ queue: 'priority' });
    expect(priority.status).toBe(200);
    expect(priority.body.totals).toMatchObject({ offered: 4, answered: 2, abandoned: 1, abandonmentRate: Math.round((1 / 3) * 10_000) / 10_000, asaSeconds: 21, ahtSeconds: 90 });
    const all = await kpis({});
    expect(all.body.totals).toMatchObject({ offered: 4, answered: 2, abandoned: 1 });
    const sara = await kpis({ agent: 'sara' });
    expect(sara.body.totals).toMatchObject({ offered: 1, answered: 1, abandoned: 0, asaSeconds: 12, ahtSeconds: 120 });
    // Credited to the queue the contact joined, no other.
    const billing = await kpis({ queue: 'billing' });
    expect(billing.body.totals).toMatchObject({ offered: 0, answered: 0 });
  });

  it('a contact still in line at one roll and abandoned hours later is counted abandoned in the interval it joined the line', async () => {
    start = new Date('2026-11-29T08:00:00Z'); // 11:00 Riyadh
    t.clock.now = new Date(start.getTime() + 60_000);
    const waiting = newContactId();
    await t.connect.contactEvent(queued(waiting, 4, 10));
    await t.services.analytics.refresh();
    let support = await kpis({ queue: 'support' });
    expect(support.body.totals).toMatchObject({ offered: 1, answered: 0, abandoned: 0 });

    // 2.5 h later (past the rollup's two-hour hot window) the caller hangs up.
    t.clock.now = new Date(start.getTime() + 9_000_000 + 60_000);
    await t.connect.contactEvent(disconnected(waiting, 9_000));
    await t.services.analytics.refresh();
    support = await kpis({ queue: 'support', interval: '1h' });
    expect(support.body.totals).toMatchObject({ offered: 1, answered: 0, abandoned: 1 });
    const eleven = support.body.series.find((p: { start: string }) => p.start === '2026-11-29T11:00:00+03:00');
    expect(eleven).toMatchObject({ offered: 1, abandoned: 1 });
  });
});

/** A contact's events as EventBridge delivered them (test/fixtures/connect/contact-events). */
interface ContactFixture {
  events: Array<{ detail: Record<string, unknown> }>;
  expect: { queue: string; agent: string; talkSeconds: number; wrapUp: { startedAt: string; endedAt: string } | null; ahtSeconds: number };
}
const fixture = (name: string): ContactFixture => JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/connect/contact-events', `${name}.json`), 'utf8'));
const typeOf = (e: ContactFixture['events'][number]) => (e.detail.eventType ?? e.detail.EventType) as string;

describe('after-contact work of Amazon Connect contacts', () => {
  it('is the answering agent\'s wrap-up: AHT is talk + ACW for the queue and the agent, though COMPLETED lands, twice, after the contact was last rolled', async () => {
    const f = fixture('answered-with-acw');
    const completed = f.events.find((e) => typeOf(e) === 'COMPLETED')!;
    t.clock.now = new Date('2026-11-29T11:06:00Z');
    for (const e of f.events.filter((e) => e !== completed)) await t.connect.contactEvent(e);
    await t.services.analytics.refresh();
    const query = { queue: f.expect.queue, agent: f.expect.agent };
    // No COMPLETED yet: the talk alone, as before the agent left ACW.
    expect((await kpis(query)).body.totals).toMatchObject({ answered: 1, ahtSeconds: f.expect.talkSeconds });

    // COMPLETED comes once the agent leaves ACW — here delayed past the rollup's two-hour hot window.
    t.clock.now = new Date('2026-11-29T13:30:00Z');
    await t.connect.contactEvent(completed);
    await t.connect.contactEvent(completed);
    await t.services.analytics.refresh();
    expect(f.expect.ahtSeconds).toBe(f.expect.talkSeconds + 90);
    expect((await kpis(query)).body.totals).toMatchObject({ offered: 1, answered: 1, ahtSeconds: f.expect.ahtSeconds });
    expect((await kpis({ queue: f.expect.queue })).body.totals).toMatchObject({ offered: 1, answered: 1, ahtSeconds: f.expect.ahtSeconds });
    // In the interval the contact joined the line (14:00 Riyadh).
    const hours = (await kpis({ queue: f.expect.queue, interval: '1h' })).body.series as Array<{ start: string; ahtSeconds: number | null }>;
    expect(hours.filter((p) => p.ahtSeconds !== null)).toEqual([expect.objectContaining({ start: '2026-11-29T14:00:00+03:00', ahtSeconds: f.expect.ahtSeconds })]);
  });

  it('COMPLETED first, every event twice and out of order, PascalCase or without ACW: counted once, ACW only where the agent did some', async () => {
    for (const name of ['answered-with-acw-pascal-case', 'answered-acw-skipped']) {
      const f = fixture(name);
      const completed = f.events.find((e) => typeOf(e) === 'COMPLETED')!;
      for (const e of [completed, ...[...f.events].reverse(), ...f.events]) await t.connect.contactEvent(e);
    }
    await t.services.analytics.refresh();
    for (const name of ['answered-with-acw-pascal-case', 'answered-acw-skipped']) {
      const f = fixture(name);
      const res = await kpis({ queue: f.expect.queue, agent: f.expect.agent });
      expect(res.body.totals, name).toMatchObject({ offered: 1, answered: 1, ahtSeconds: f.expect.ahtSeconds });
    }
  });

  it('stays in the KPIs once the caller is erased: the after-contact work is kept with the call\'s anonymous facts', async () => {
    const f = fixture('answered-with-acw');
    const erased = await request(t.app).delete('/api/customers/c-noura').set('Authorization', `Bearer ${t.token('admin')}`);
    expect(erased.status).toBe(200);
    await t.services.analytics.rollup.sweep();
    expect((await kpis({ queue: f.expect.queue, agent: f.expect.agent })).body.totals).toMatchObject({ answered: 1, ahtSeconds: f.expect.ahtSeconds });
  });
});
