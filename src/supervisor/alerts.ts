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
  /** An event's alert: true when its cause is new (not raised within the policy's window). */
  raise(alert: Alert, now: Date): boolean;
  /** Everything listed now, oldest first. */
  active(now: Date): Alert[];
  /** Forgets the conditions (nobody is watching; the next sync raises what still holds). */
  resetConditions(): void;
}

/** Remembers what was raised, so each cause is announced once until it clears. */
export function createAlertBook(policy: AlertPolicy): AlertBook {
  const conditions = new Map<string, Alert>();
  const events = new Map<string, { alert: Alert; raisedAt: number }>();
  const windowMs = policy.eventAlertMinutes * 60_000;
  const prune = (now: Date) => {
    for (const [id, e] of events) if (now.getTime() - e.raisedAt >= windowMs) events.delete(id);
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
    raise(alert, now) {
      prune(now);
      if (events.has(alert.id)) return false;
      events.set(alert.id, { alert, raisedAt: now.getTime() });
      return true;
    },
    active(now) {
      prune(now);
      return [...conditions.values(), ...[...events.values()].map((e) => e.alert)].sort((a, b) => a.at.localeCompare(b.at));
    },
    resetConditions() {
      conditions.clear();
    },
  };
}
