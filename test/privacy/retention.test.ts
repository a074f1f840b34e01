import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessLogStore } from '../../src/privacy/access-log-store.js';
import { createErasureStore } from '../../src/privacy/erasure-store.js';
import { createRetention, retentionTargets } from '../../src/privacy/retention.js';
import { openFileSpool } from '../../src/spool/file-spool.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let spoolDir: string;
const DAY = 24 * 3600_000;
const NOW = new Date('2027-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

/** One of each kind of data on either side of its default retention (README: Data protection). */
async function seed(tag: string, oldDays: Record<string, number>, freshDays = 1) {
  const p = t.db.prisma;
  const at = (kind: string, old: boolean) => daysAgo(old ? oldDays[kind]! : freshDays);
  for (const old of [true, false]) {
    const k = `${tag}-${old ? 'old' : 'fresh'}`;
    await p.agentMessage.create({ data: { agentId: 'sara', seq: (await p.agentMessage.count()) + 1, type: 'screen_pop', payload: { call: { id: k } }, createdAt: at('agentMessages', old) } });
    const call = await p.call.create({
      data: {
        provider: 'twilio', providerCallId: `CA-${k}`, fromRaw: '+966500000000', flowName: 'main', flowVersion: 1, language: 'ar', status: 'completed',
        session: { flow: 'main', nodeId: 'done', language: 'ar', attempts: 0, path: ['main', 'account'], inputs: { account: `ACC-${k}` } },
        startedAt: at('ivrInputs', old), endedAt: at('ivrInputs', old), queue: 'billing',
      },
    });
    await p.callStep.create({ data: { callId: call.id, seq: 1, nodeId: 'account', input: `ACC-${k}`, result: 'matched', events: [{ type: 'ivr_step', nodeId: 'account', input: `ACC-${k}`, result: 'matched' }], response: '[]', createdAt: at('ivrInputs', old) } });
    await p.queueEntry.create({
      data: { callId: call.id, queue: 'billing', priority: 1, enqueuedAt: at('ivrInputs', old), status: 'done', ruleVersion: 1, rule: 'default', decision: {}, context: { ivr: { path: ['main'], inputs: { account: `ACC-${k}` } } } },
    });
    await p.interaction.create({ data: { idempotencyKey: `i-${k}`, channel: 'email', type: 'message', at: at('interactionTexts', old), summary: `summary ${k}`, text: `TEXT-${k}` } });
    await p.callEvent.create({ data: { callId: call.id, key: `e-${k}`, type: 'accepted', at: at('callEvents', old), data: { agentId: 'sara' } } });
    await p.watchlistAudit.create({ data: { action: 'add', entryId: k, kind: 'number', value: '+966500000000', reason: 'test', by: 'admin', at: at('audit', old) } });
    await p.accessLogEntry.create({ data: { at: at('accessLog', old), actor: 'sara', role: 'agent', customerId: `c-${k}`, resource: 'profile', endpoint: 'GET /api/customers/:id', outcome: 'allowed' } });
    await p.erasureReceipt.create({ data: { customerId: `c-${k}`, erasedAt: at('audit', old), erasedBy: 'admin', counts: {}, voiceprint: 'erased', updatedAt: at('audit', old) } });
  }
}

const DEFAULT_OLD = { agentMessages: 8, ivrInputs: 91, interactionTexts: 731, callEvents: 366, audit: 731, accessLog: 366 };

beforeAll(async () => {
  t = await createTestApp();
  await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar'] });
  spoolDir = mkdtempSync(path.join(os.tmpdir(), 'retention-spool-'));
});
afterAll(async () => {
  await t?.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('the retention job', () => {
  it('removes or clears what is past each kind\'s default retention, and keeps what is not', async () => {
    await seed('d', DEFAULT_OLD);
    // A receipt whose voiceprint deletion the vendor has not confirmed outlives its retention.
    await t.db.prisma.erasureReceipt.create({ data: { customerId: 'c-pending', erasedAt: daysAgo(800), erasedBy: 'admin', counts: {}, voiceprint: 'pending', updatedAt: daysAgo(800) } });
    const spool = openFileSpool(spoolDir);
    await spool.setAside({ seq: 1, at: daysAgo(31).toISOString(), kind: 'call_end', data: { from: '+966500000001' } }, 'test');
    await spool.setAside({ seq: 2, at: daysAgo(1).toISOString(), kind: 'call_end', data: { from: '+966500000002' } }, 'test');

    const db = t.db.prisma;
    const retention = createRetention({
      targets: retentionTargets(db, { accessLog: createAccessLogStore(db), erasures: createErasureStore(db), spool }),
      logger: pino({ level: 'silent' }),
    });
    const report = await retention.runRetention(NOW);
    expect(report).toEqual({
      removed: { agentMessages: 1, ivrInputs: 1, interactionTexts: 1, callEvents: 1, spool: 1, watchlistAudit: 1, erasureReceipts: 1, accessLog: 1 },
      more: [],
    });

    expect((await db.agentMessage.findMany()).map((m) => (m.payload as { call: { id: string } }).call.id)).toEqual(['d-fresh']);
    const steps = await db.callStep.findMany({ include: { call: true }, orderBy: { createdAt: 'asc' } });
    expect(steps.map((s) => s.input)).toEqual([null, 'ACC-d-fresh']);
    expect(JSON.stringify(steps[0]!.events)).not.toContain('ACC-');
    expect(steps[0]!.events).toEqual([{ type: 'ivr_step', nodeId: 'account', result: 'matched' }]);
    expect((steps[0]!.call.session as { inputs: object; path: string[] })).toMatchObject({ inputs: {}, path: ['main', 'account'] });
    expect((steps[1]!.call.session as { inputs: object }).inputs).toEqual({ account: 'ACC-d-fresh' });
    const entries = await db.queueEntry.findMany({ orderBy: { enqueuedAt: 'asc' } });
    expect(entries.map((e) => (e.context as { ivr: { inputs: object } }).ivr.inputs)).toEqual([{}, { account: 'ACC-d-fresh' }]);
    // The summary stays; the full text goes.
    expect((await db.interaction.findMany({ orderBy: { at: 'asc' } })).map((i) => [i.summary, i.text])).toEqual([
      ['summary d-old', null],
      ['summary d-fresh', 'TEXT-d-fresh'],
    ]);
    expect((await db.callEvent.findMany()).map((e) => e.key)).toEqual(['e-d-fresh']);
    expect((await db.watchlistAudit.findMany()).map((e) => e.entryId)).toEqual(['d-fresh']);
    expect((await db.accessLogEntry.findMany()).map((e) => e.customerId)).toEqual(['c-d-fresh']);
    expect((await db.erasureReceipt.findMany({ orderBy: { customerId: 'asc' } })).map((e) => e.customerId)).toEqual(['c-d-fresh', 'c-pending']);
    const dead = readFileSync(path.join(spoolDir, 'dead.jsonl'), 'utf8').trim().split('\n');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toContain('+966500000002');

    // A second pass finds nothing more to do.
    const again = await retention.runRetention(NOW);
    expect(Object.values(again.removed).every((n) => n === 0)).toBe(true);
    spool.close();
  });

  it('works in bounded batches: a pass stops after its share and the next goes on from there', async () => {
    const db = t.db.prisma;
    await db.agentMessage.deleteMany();
    await db.interaction.deleteMany();
    for (let i = 0; i < 5; i += 1) {
      await db.agentMessage.create({ data: { agentId: 'sara', seq: 1000 + i, type: 'screen_pop', payload: {}, createdAt: daysAgo(30 + i) } });
      await db.interaction.create({ data: { idempotencyKey: `b-${i}`, channel: 'sms', type: 'message', at: daysAgo(800 + i), summary: 's', text: `t-${i}` } });
    }
    const retention = createRetention({
      targets: retentionTargets(db, { accessLog: createAccessLogStore(db), erasures: createErasureStore(db) }),
      logger: pino({ level: 'silent' }),
      batchSize: 2,
      maxBatches: 1,
    });
    const first = await retention.runRetention(NOW);
    expect(first.removed).toMatchObject({ agentMessages: 2, interactionTexts: 2 });
    expect(first.more).toEqual(expect.arrayContaining(['agentMessages', 'interactionTexts']));
    expect(await db.agentMessage.count()).toBe(3);
    expect(await db.interaction.count({ where: { text: null } })).toBe(2);
    // The oldest go first.
    expect((await db.interaction.findMany({ where: { text: null } })).map((i) => i.idempotencyKey).sort()).toEqual(['b-3', 'b-4']);
    await retention.runRetention(NOW);
    await retention.runRetention(NOW);
    const last = await retention.runRetention(NOW);
    expect(await db.agentMessage.count()).toBe(0);
    expect(await db.interaction.count({ where: { text: { not: null } } })).toBe(0);
    expect(last.more).toEqual([]);
  });

  it('follows the configured retention, run from the app with its clock (services.privacy.runRetention)', async () => {
    const db = t.db.prisma;
    await db.agentMessage.create({ data: { agentId: 'sara', seq: 2000, type: 'screen_pop', payload: {}, createdAt: daysAgo(2) } });
    // Two days is within the default week: kept.
    await t.services.privacy.runRetention(NOW);
    expect(await db.agentMessage.count({ where: { seq: 2000 } })).toBe(1);
    // Configured to one day, the same pass removes it.
    const strict = createRetention({ targets: retentionTargets(db, { accessLog: createAccessLogStore(db), erasures: createErasureStore(db) }), policy: { agentMessagesDays: 1 }, logger: pino({ level: 'silent' }) });
    expect((await strict.runRetention(NOW)).removed.agentMessages).toBe(1);
    expect(await db.agentMessage.count({ where: { seq: 2000 } })).toBe(0);
  });
});
