import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUPERVISOR_ALERT_CHANNEL } from '../../src/supervisor/alert-events.js';
import { createAlertStore, eraseSupervisorAlerts } from '../../src/supervisor/alert-store.js';
import type { Alert } from '../../src/supervisor/alerts.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const now = new Date('2026-11-29T07:00:00Z');
const plus = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const fraud = (callId: string, at = now): Alert => ({ id: `fraud_suspected:${callId}`, kind: 'fraud_suspected', at: at.toISOString(), callId, queue: 'billing', reason: 'watchlist' });
const unhappy = (customerId: string): Alert => ({
  id: `negative_sentiment:${customerId}`,
  kind: 'negative_sentiment',
  at: now.toISOString(),
  customerId,
  channel: 'whatsapp',
  sentimentScore: -0.8,
  tier: 'gold',
  accountValue: { amount: 250_000, currency: 'SAR' },
});

beforeAll(async () => {
  t = await createTestApp();
  await t.services.customers.upsert({ id: 'c-vip', name: 'Noura Alharbi', phones: ['+966501111111'], language: 'ar', tier: 'gold', accountValue: { amount: 250_000, currency: 'SAR' } });
  await t.services.customers.upsert({ id: 'c-other', name: 'Ali Saleh', phones: ['+966502222222'], language: 'ar', tier: 'platinum' });
});
afterAll(async () => {
  await t?.close();
});

describe('the shared store of event alerts', () => {
  it('lists a cause once whichever node raises it, until its time; after that the same cause is listed anew', async () => {
    const [nodeA, nodeB] = [createAlertStore(t.db.prisma), createAlertStore(t.db.prisma)];
    expect(await nodeA.raise(fraud('call-1'), now, plus(60))).toBe('raised');
    // The same event heard on another node, a moment later: still the first one.
    expect(await nodeB.raise(fraud('call-1', plus(0.1)), plus(0.1), plus(60.1))).toBe('listed');
    expect(await nodeB.listed(plus(59))).toEqual([{ alert: fraud('call-1'), expiresAt: plus(60) }]);
    expect(await nodeA.listed(plus(60))).toEqual([]);
    const again = fraud('call-1', plus(61));
    expect(await nodeB.raise(again, plus(61), plus(121))).toBe('raised');
    expect(await nodeA.listed(plus(61))).toEqual([{ alert: again, expiresAt: plus(121) }]);
    expect(await t.db.prisma.supervisorAlert.count({ where: { id: 'fraud_suspected:call-1' } })).toBe(1);
  });

  it('sweeps rows past their time when another alert is raised', async () => {
    const store = createAlertStore(t.db.prisma);
    await store.raise(fraud('call-old'), plus(200), plus(260));
    await store.raise(fraud('call-new'), plus(300), plus(360));
    expect((await t.db.prisma.supervisorAlert.findMany({ select: { id: true } })).map((r) => r.id)).toEqual(['fraud_suspected:call-new']);
  });

  it('writes nothing about a customer who no longer exists (erased after the alert was worked out)', async () => {
    const store = createAlertStore(t.db.prisma);
    expect(await store.raise(unhappy('c-gone'), plus(300), plus(360))).toBe('erased');
    expect(await t.db.prisma.supervisorAlert.count({ where: { customerId: 'c-gone' } })).toBe(0);
    expect(await store.raise(unhappy('c-vip'), plus(300), plus(360))).toBe('raised');
    expect(await store.raise(unhappy('c-vip'), plus(301), plus(361))).toBe('listed');
  });

  it("an erasure's part removes the alerts naming the customer or one of their calls, and no other", async () => {
    const store = createAlertStore(t.db.prisma);
    await store.raise(unhappy('c-other'), plus(300), plus(360));
    await store.raise(fraud('call-of-vip'), plus(300), plus(360));
    const erased = await t.db.prisma.$transaction((tx) => eraseSupervisorAlerts(tx, { customerId: 'c-vip', callIds: ['call-of-vip'] }));
    expect(erased).toBe(2);
    expect((await store.listed(plus(300))).map((l) => l.alert.id).sort()).toEqual(['fraud_suspected:call-new', 'negative_sentiment:c-other']);
  });

  it('keeps no number or name a publisher put in its message: ids and the alert’s fields only', async () => {
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, {
      type: 'fraud_suspected',
      at: t.clock.now.toISOString(),
      callId: 'call-pii',
      queue: 'billing',
      reason: 'spoof',
      from: '+966501111111',
      customerName: 'Noura Alharbi',
    });
    await t.settle();
    const row = await t.db.prisma.supervisorAlert.findUniqueOrThrow({ where: { id: 'fraud_suspected:call-pii' } });
    expect(row.alert).toEqual({ id: 'fraud_suspected:call-pii', kind: 'fraud_suspected', at: t.clock.now.toISOString(), callId: 'call-pii', queue: 'billing', reason: 'spoof' });
    expect(JSON.stringify(row)).not.toMatch(/966|Noura/);
  });
});
