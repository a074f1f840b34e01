import { describe, expect, it } from 'vitest';
import { conditionAlerts, createAlertBook, DEFAULT_ALERT_POLICY, isHighValue } from '../../src/supervisor/alerts.js';
import type { LiveQueue, LiveStats } from '../../src/supervisor/live-stats.js';

const now = new Date('2026-11-29T07:00:00Z');
const policy = { ...DEFAULT_ALERT_POLICY, longWaitSeconds: 120, serviceLevelTarget: 0.8, serviceLevelMinCalls: 5, crisisIntents: ['crisis', 'self_harm'] };
const queue = (q: Partial<LiveQueue>): LiveQueue => ({ queue: 'billing', waiting: 0, oldestEnqueuedAt: null, offeredToday: 0, answeredToday: 0, abandonedToday: 0, serviceLevelToday: null, serviceLevelSeconds: 20, ...q });
const stats = (queues: LiveQueue[]): LiveStats => ({ queues, agents: { list: [], byState: { offline: 0, available: 0, reserved: 0, busy: 0, wrap_up: 0, away: 0 } } });
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('which conditions raise an alert', () => {
  it('a service level under target once enough calls are measured; not at the target, not with too few calls, not with nothing measured', () => {
    const alerts = conditionAlerts(
      stats([
        queue({ queue: 'a', offeredToday: 10, serviceLevelToday: 0.79 }),
        queue({ queue: 'b', offeredToday: 10, serviceLevelToday: 0.8 }),
        queue({ queue: 'c', offeredToday: 4, serviceLevelToday: 0 }),
        queue({ queue: 'd', offeredToday: 10, serviceLevelToday: null }),
      ]),
      [],
      now,
      policy,
    );
    expect(alerts).toEqual([expect.objectContaining({ id: 'service_level:a', kind: 'service_level', queue: 'a', serviceLevel: 0.79, target: 0.8 })]);
  });

  it('a wait from the threshold on (119 s is not long, 120 s is); a crisis intent or a crisis node on the IVR path at once', () => {
    const alerts = conditionAlerts(
      stats([]),
      [
        { callId: 'c1', queue: 'general', enqueuedAt: ago(119), intent: 'billing', path: ['main', 'account'] },
        { callId: 'c2', queue: 'general', enqueuedAt: ago(120), intent: null, path: [] },
        { callId: 'c3', queue: 'crisis', enqueuedAt: ago(3), intent: 'crisis', path: ['main'] },
        { callId: 'c4', queue: 'general', enqueuedAt: ago(3), intent: 'agent', path: ['main', 'self_harm'] },
      ],
      now,
      policy,
    );
    expect(alerts.map((a) => a.id).sort()).toEqual(['crisis_waiting:c3', 'crisis_waiting:c4', 'long_wait:c2']);
    expect(alerts.find((a) => a.id === 'long_wait:c2')).toMatchObject({ waitSeconds: 120, enqueuedAt: ago(120).toISOString() });
    expect(alerts.find((a) => a.id === 'crisis_waiting:c4')).toMatchObject({ intent: 'self_harm' });
  });

  it('high value: an account value at the threshold or a listed tier', () => {
    expect(isHighValue({ tier: 'gold', accountValue: { amount: 100_000 } }, policy)).toBe(true);
    expect(isHighValue({ tier: 'gold', accountValue: { amount: 99_999 } }, policy)).toBe(false);
    expect(isHighValue({ tier: 'platinum' }, policy)).toBe(true);
  });
});

describe('the alert book', () => {
  it('announces a condition once while it holds, clears it when it stops, and raises it anew if it comes back', () => {
    const book = createAlertBook(policy);
    const a = { id: 'long_wait:c1', kind: 'long_wait' as const, at: now.toISOString() };
    expect(book.sync([a])).toEqual({ raised: [a], cleared: [] });
    expect(book.sync([{ ...a, at: 'later' }])).toEqual({ raised: [], cleared: [] });
    expect(book.active(now)).toEqual([a]);
    expect(book.sync([])).toEqual({ raised: [], cleared: [a] });
    expect(book.sync([a]).raised).toEqual([a]);
  });

  it('raises an event once per cause within the window, again after it', () => {
    const book = createAlertBook({ ...policy, eventAlertMinutes: 60 });
    const fraud = { id: 'fraud_suspected:c1', kind: 'fraud_suspected' as const, at: now.toISOString() };
    expect(book.raise(fraud, now)).toBe(true);
    expect(book.raise(fraud, new Date(now.getTime() + 59 * 60_000))).toBe(false);
    expect(book.active(new Date(now.getTime() + 59 * 60_000))).toEqual([fraud]);
    expect(book.active(new Date(now.getTime() + 60 * 60_000))).toEqual([]);
    expect(book.raise(fraud, new Date(now.getTime() + 60 * 60_000))).toBe(true);
  });

  it('settles events on the shared store: one new there is raised, one gone from it (erased) cleared, one raised here after the read began kept', () => {
    const book = createAlertBook({ ...policy, eventAlertMinutes: 60 });
    const plus = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
    const fraud = (callId: string) => ({ id: `fraud_suspected:${callId}`, kind: 'fraud_suspected' as const, at: now.toISOString(), callId });
    book.raise(fraud('erased'), now, { shared: true });
    const mark = book.mark();
    book.raise(fraud('meanwhile'), now, { shared: true });
    book.raise(fraud('unstored'), now, { shared: false });
    expect(book.reconcile([{ alert: fraud('elsewhere'), expiresAt: plus(30) }], mark, now)).toEqual({ raised: [fraud('elsewhere')], cleared: [fraud('erased')] });
    expect(book.listed('elsewhere', now)).toBeUndefined();
    expect(book.listed('fraud_suspected:elsewhere', now)).toBe('shared');
    expect(book.unshared(now)).toEqual([fraud('unstored')]);
    // A store that cannot be read clears only what ran out: the other node's window first.
    expect(book.reconcile(undefined, book.mark(), plus(30)).cleared).toEqual([fraud('elsewhere')]);
    expect(book.reconcile(undefined, book.mark(), plus(60)).cleared.map((a) => a.id).sort()).toEqual(['fraud_suspected:meanwhile', 'fraud_suspected:unstored']);
    expect(book.active(plus(60))).toEqual([]);
  });
});
