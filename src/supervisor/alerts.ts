import type { LiveStats, WaitingCaller } from './live-stats.js';

/** DESIGN.md's five, and the post-call survey's follow-up (a CSAT of 1–2 or an NPS detractor), which arrives on the bus. */
export const ALERT_KINDS = ['service_level', 'long_wait', 'crisis_waiting', 'fraud_suspected', 'negative_sentiment', 'survey_follow_up'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * One alert as the supervisor socket sends it. `id` names its cause (`long_wait:<callId>`,
 * `service_level:<queue>`): the same cause is one alert until it clears.
 */
export interface Alert {
  id: string;
  kind: AlertKind;
  /** When the cause began (a condition: when it was first seen; an event: the event's time). */
  at: string;
  queue?: string;
  callId?: string;
  customerId?: string;
  /** long_wait, crisis_waiting: the wait when raised (the page ticks it from `enqueuedAt`). */
  enqueuedAt?: string;
  waitSeconds?: number;
  intent?: string;
  /** service_level: today's level and the target it fell below. */
  serviceLevel?: number;
  target?: number;
  /** fraud_suspected (and other producers'): why, in the producer's words. */
  reason?: string;
  /** survey_follow_up: the follow-up opened, the agent of the call, the scores. */
  followUpId?: string;
  agentId?: string;
  csat?: number | null;
  nps?: number | null;
  /** negative_sentiment: what was recorded and who it is. */
  channel?: string;
  sentimentScore?: number;
  tier?: string;
  accountValue?: { amount: number; currency: string };
}

/** The thresholds (README: "Supervisor console", config ALERT_*). */
export interface AlertPolicy {
  /** A caller in line this long is a long wait. */
  longWaitSeconds: number;
  /** A queue's service level today under this (0..1) is a breach … */
  serviceLevelTarget: number;
  /** … once the queue has been offered at least this many calls today. */
  serviceLevelMinCalls: number;
  /** IVR intents (or IVR nodes on the caller's path) that mark a caller in crisis. */
  crisisIntents: string[];
  /** A customer at or above this account value, or in one of these tiers, is high-value. */
  highValueAmount: number;
  highValueTiers: string[];
  /** How long an event's alert (fraud, negative sentiment) stays listed and de-duplicated. */
  eventAlertMinutes: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  longWaitSeconds: 120,
  serviceLevelTarget: 0.8,
  serviceLevelMinCalls: 5,
  crisisIntents: ['crisis'],
  highValueAmount: 100_000,
  highValueTiers: ['platinum'],
  eventAlertMinutes: 60,
};

const waitOf = (c: WaitingCaller, now: Date) => Math.max(0, Math.floor((now.getTime() - c.enqueuedAt.getTime()) / 1000));

/** The alerts that hold now, from the live numbers and the callers in line (conditions, not events). */
export function conditionAlerts(stats: LiveStats, callers: WaitingCaller[], now: Date, policy: AlertPolicy): Alert[] {
  const at = now.toISOString();
  const out: Alert[] = [];
  for (const q of stats.queues) {
    if (q.serviceLevelToday === null || q.offeredToday < policy.serviceLevelMinCalls || q.serviceLevelToday >= policy.serviceLevelTarget) continue;
    out.push({ id: `service_level:${q.queue}`, kind: 'service_level', at, queue: q.queue, serviceLevel: q.serviceLevelToday, target: policy.serviceLevelTarget });
  }
  const crisis = new Set(policy.crisisIntents);
  for (const c of callers) {
    const waited = { queue: c.queue, callId: c.callId, enqueuedAt: c.enqueuedAt.toISOString(), waitSeconds: waitOf(c, now) };
    const marker = c.intent !== null && crisis.has(c.intent) ? c.intent : c.path.find((p) => crisis.has(p));
    if (marker !== undefined) out.push({ id: `crisis_waiting:${c.callId}`, kind: 'crisis_waiting', at, intent: marker, ...waited });
    if (waited.waitSeconds >= policy.longWaitSeconds) out.push({ id: `long_wait:${c.callId}`, kind: 'long_wait', at, ...waited });
  }
  return out;
}

export function isHighValue(customer: { tier?: string | null; accountValue?: { amount: number } | null }, policy: AlertPolicy): boolean {
  return (customer.accountValue?.amount ?? 0) >= policy.highValueAmount || (!!customer.tier && policy.highValueTiers.includes(customer.tier));
}

export interface AlertBook {
  /** The condition alerts that hold now: which are new, and which of the earlier ones cleared. */
  sync(current: Alert[]): { raised: Alert[]; cleared: Alert[] };
  /**
   * An event's alert: true when its cause is new here (not listed now). `shared`: it is in the
   * shared store (src/supervisor/alert-store.ts), so its absence there later means it cleared.
   */
  raise(alert: Alert, now: Date, opts?: { expiresAt?: Date; shared?: boolean }): boolean;
  /** Whether an event's cause is listed here now, and whether the shared store has it. */
  listed(id: string, now: Date): 'shared' | 'local' | undefined;
  /** Before reading the shared store: what was raised after this mark may be missing from the read. */
  mark(): number;
  /**
   * The event alerts the shared store lists (read after `mark`; undefined when it could not be
   * read): those new here are raised; those past their time, and those the store had and has
   * no more (erased), are cleared.
   */
  reconcile(listed: Array<{ alert: Alert; expiresAt: Date }> | undefined, mark: number, now: Date): { raised: Alert[]; cleared: Alert[] };
  /** Drops the event alerts that match (an erased customer's); returns them. */
  forget(match: (alert: Alert) => boolean): Alert[];
  /** Events listed here that the shared store does not have yet (its write failed). */
  unshared(now: Date): Alert[];
  /** Everything listed now, oldest first. */
  active(now: Date): Alert[];
  /** Forgets the conditions (nobody is watching; the next sync raises what still holds). */
  resetConditions(): void;
}

/** Remembers what was raised, so each cause is announced once until it clears. */
export function createAlertBook(policy: AlertPolicy): AlertBook {
  const conditions = new Map<string, Alert>();
  const events = new Map<string, { alert: Alert; expiresAt: number; shared: boolean; seq: number }>();
  const windowMs = policy.eventAlertMinutes * 60_000;
  let seq = 0;
  const live = (id: string, now: Date) => {
    const e = events.get(id);
    return e && e.expiresAt > now.getTime() ? e : undefined;
  };
  return {
    sync(current) {
      const seen = new Set<string>();
      const raised: Alert[] = [];
      for (const a of current) {
        seen.add(a.id);
        if (!conditions.has(a.id)) {
          conditions.set(a.id, a);
          raised.push(a);
        }
      }
      const cleared: Alert[] = [];
      for (const [id, a] of conditions) {
        if (!seen.has(id)) {
          conditions.delete(id);
          cleared.push(a);
        }
      }
      return { raised, cleared };
    },
    raise(alert, now, opts = {}) {
      const existing = live(alert.id, now);
      if (existing) {
        if (opts.shared && !existing.shared) Object.assign(existing, { shared: true, seq: ++seq });
        return false;
      }
      events.set(alert.id, { alert, expiresAt: opts.expiresAt?.getTime() ?? now.getTime() + windowMs, shared: opts.shared ?? false, seq: ++seq });
      return true;
    },
    listed(id, now) {
      const e = live(id, now);
      return e ? (e.shared ? 'shared' : 'local') : undefined;
    },
    mark: () => seq,
    reconcile(listed, mark, now) {
      const raised: Alert[] = [];
      const cleared: Alert[] = [];
      const inStore = new Set<string>();
      for (const { alert, expiresAt } of listed ?? []) {
        if (expiresAt.getTime() <= now.getTime()) continue;
        inStore.add(alert.id);
        const existing = live(alert.id, now);
        if (existing) {
          // The first node's window is everyone's.
          Object.assign(existing, { expiresAt: expiresAt.getTime(), shared: true });
          continue;
        }
        events.set(alert.id, { alert, expiresAt: expiresAt.getTime(), shared: true, seq: ++seq });
        raised.push(alert);
      }
      for (const [id, e] of events) {
        const expired = e.expiresAt <= now.getTime();
        // Raised here after the read began: the read may not have seen it yet.
        const gone = listed !== undefined && e.shared && e.seq <= mark && !inStore.has(id);
        if (expired || gone) {
          events.delete(id);
          cleared.push(e.alert);
        }
      }
      return { raised, cleared };
    },
    forget(match) {
      const dropped: Alert[] = [];
      for (const [id, e] of events) {
        if (!match(e.alert)) continue;
        events.delete(id);
        dropped.push(e.alert);
      }
      return dropped;
    },
    unshared: (now) => [...events.values()].filter((e) => !e.shared && e.expiresAt > now.getTime()).map((e) => e.alert),
    active(now) {
      const listedEvents = [...events.values()].filter((e) => e.expiresAt > now.getTime()).map((e) => e.alert);
      return [...conditions.values(), ...listedEvents].sort((a, b) => a.at.localeCompare(b.at));
    },
    resetConditions() {
      conditions.clear();
    },
  };
}
