/**
 * The KPI definitions, as pure functions over one contact's events and one agent's states.
 * The rollup (rollup.ts) reads rows into these shapes; README "KPIs" states the same rules
 * in words. Every measure is a sum or a count, so 15-minute buckets add up to hours and days.
 */

/** Sums and counts kept per bucket, queue and agent; the KPIs are ratios of them. */
export interface KpiSums {
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  /** Service level's denominator (calls, not callbacks: offered less short abandons and those still waiting within the threshold). */
  slMeasured: number;
  slAnswered: number;
  asaCount: number;
  asaSeconds: number;
  handled: number;
  handleSeconds: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  staffedSeconds: number;
  occupiedSeconds: number;
  fcrContacts: number;
  fcrResolved: number;
  csatCount: number;
  csatSatisfied: number;
  npsCount: number;
  npsPromoters: number;
  npsDetractors: number;
}

export const SUM_FIELDS = [
  'offered', 'answered', 'abandoned', 'shortAbandoned', 'slMeasured', 'slAnswered', 'asaCount', 'asaSeconds', 'handled', 'handleSeconds',
  'talkSeconds', 'holdSeconds', 'wrapSeconds', 'staffedSeconds', 'occupiedSeconds', 'fcrContacts', 'fcrResolved', 'csatCount',
  'csatSatisfied', 'npsCount', 'npsPromoters', 'npsDetractors',
] as const satisfies ReadonlyArray<keyof KpiSums>;

export function emptySums(): KpiSums {
  return {
    offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, slMeasured: 0, slAnswered: 0, asaCount: 0, asaSeconds: 0, handled: 0, handleSeconds: 0,
    talkSeconds: 0, holdSeconds: 0, wrapSeconds: 0, staffedSeconds: 0, occupiedSeconds: 0, fcrContacts: 0, fcrResolved: 0, csatCount: 0,
    csatSatisfied: 0, npsCount: 0, npsPromoters: 0, npsDetractors: 0,
  };
}

export function addSums(into: KpiSums, more: Partial<KpiSums>): KpiSums {
  for (const f of SUM_FIELDS) into[f] += more[f] ?? 0;
  return into;
}

/** What the API reports (DESIGN.md): a rate is 0..1, null when nothing to measure. */
export interface Kpis {
  offered: number;
  answered: number;
  abandoned: number;
  abandonmentRate: number | null;
  asaSeconds: number | null;
  ahtSeconds: number | null;
  serviceLevel: number | null;
  occupancy: number | null;
  fcr: number | null;
  csat: number | null;
  /** Net Promoter Score, -100..100 as it is quoted (not a rate). */
  nps: number | null;
}

export const KPI_FIELDS = ['offered', 'answered', 'abandoned', 'abandonmentRate', 'asaSeconds', 'ahtSeconds', 'serviceLevel', 'occupancy', 'fcr', 'csat', 'nps'] as const satisfies ReadonlyArray<keyof Kpis>;

const ratio = (num: number, den: number, digits = 4) => (den > 0 ? round(num / den, digits) : null);
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function kpisFrom(s: KpiSums): Kpis {
  return {
    offered: s.offered,
    answered: s.answered,
    abandoned: s.abandoned,
    abandonmentRate: ratio(s.abandoned, s.offered - s.shortAbandoned),
    asaSeconds: ratio(s.asaSeconds, s.asaCount, 1),
    ahtSeconds: ratio(s.handleSeconds, s.handled, 1),
    serviceLevel: ratio(s.slAnswered, s.slMeasured),
    occupancy: ratio(s.occupiedSeconds, s.staffedSeconds),
    fcr: ratio(s.fcrResolved, s.fcrContacts),
    csat: ratio(s.csatSatisfied, s.csatCount),
    nps: s.npsCount > 0 ? round(((s.npsPromoters - s.npsDetractors) / s.npsCount) * 100, 1) : null,
  };
}

export interface KpiThresholds {
  /** A caller who hangs up sooner than this after joining the line is a short abandon (default 5). */
  shortAbandonSeconds: number;
  /** Answered within this many seconds counts towards the queue's service level (default 20). */
  serviceLevelSeconds(queue: string): number;
}

/** One thing that happened to a queued contact. */
export type ContactEvent =
  | { type: 'queued'; at: Date; queue: string }
  /** The caller left a number instead of waiting: answered when an agent takes the callback. */
  | { type: 'callback_requested'; at: Date }
  /** An agent took the contact; a transfer adds another. */
  | { type: 'answered'; at: Date; agentId: string }
  | { type: 'hold'; at: Date }
  | { type: 'unhold'; at: Date }
  /** The conversation (or the wait) is over. */
  | { type: 'ended'; at: Date }
  /** The last agent left wrap-up after the conversation. */
  | { type: 'wrap_up_ended'; at: Date }
  | { type: 'wrapup'; at: Date; agentId: string; resolved: boolean }
  | { type: 'survey'; at: Date; csat?: number | null; nps?: number | null };

/** What the contact's customer did on any channel around it (the omnichannel timeline). */
export interface ContactContext {
  customerId: string | null;
  /** Another contact in the FCR window before this one: this one is not a first contact. */
  priorContact: boolean;
  /** Another contact in the FCR window after this one: it was not resolved for good. */
  repeatContact: boolean;
}

/** A contact's sums, split by the agent they are credited to (null: nobody answered). */
export interface ContactMeasures {
  queue: string;
  queuedAt: Date;
  parts: Array<{ agentId: string | null; sums: KpiSums }>;
}

const secs = (from: Date, to: Date) => Math.max(0, (to.getTime() - from.getTime()) / 1000);

/**
 * One queued contact's measures. Everything is credited to the queue it joined and the
 * interval it joined in; answer, speed of answer, service level, FCR and surveys to the
 * agent who answered first; handle time to each agent for their own leg (a transfer makes
 * two), wrap-up to the last one.
 */
export function measureContact(events: readonly ContactEvent[], ctx: ContactContext, th: KpiThresholds, now: Date): ContactMeasures | undefined {
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
  const queued = sorted.find((e) => e.type === 'queued');
  if (!queued || queued.type !== 'queued') return undefined;
  const callback = sorted.some((e) => e.type === 'callback_requested');
  const answers = sorted.filter((e): e is Extract<ContactEvent, { type: 'answered' }> => e.type === 'answered');
  const ended = sorted.find((e) => e.type === 'ended');
  const first = answers[0];
  const sl = th.serviceLevelSeconds(queued.queue);
  const main = emptySums();
  main.offered = 1;

  if (first) {
    main.answered = 1;
    if (!callback) {
      const wait = secs(queued.at, first.at);
      Object.assign(main, { asaCount: 1, asaSeconds: wait, slMeasured: 1, slAnswered: wait <= sl ? 1 : 0 });
    }
  } else if (!callback) {
    if (ended) {
      const wait = secs(queued.at, ended.at);
      if (wait < th.shortAbandonSeconds) main.shortAbandoned = 1;
      else Object.assign(main, { abandoned: 1, slMeasured: 1 });
    } else if (secs(queued.at, now) > sl) {
      // Still waiting past the threshold: already a miss, whatever happens next.
      main.slMeasured = 1;
    }
  }

  const byAgent = new Map<string | null, KpiSums>([[first?.agentId ?? null, main]]);
  const legSums = (agentId: string) => byAgent.get(agentId) ?? byAgent.set(agentId, emptySums()).get(agentId)!;
  const wrapEnded = sorted.find((e) => e.type === 'wrap_up_ended');
  answers.forEach((leg, i) => {
    const last = i === answers.length - 1;
    const end = last ? ended?.at : answers[i + 1]!.at;
    if (!end) return; // still talking: handled once it ends
    const hold = holdSeconds(sorted, leg.at, end);
    const talk = secs(leg.at, end) - hold;
    const wrap = last && wrapEnded ? secs(end, wrapEnded.at) : 0;
    addSums(legSums(leg.agentId), { handled: 1, handleSeconds: talk + hold + wrap, talkSeconds: talk, holdSeconds: hold, wrapSeconds: wrap });
  });

  const wrapups = sorted.filter((e): e is Extract<ContactEvent, { type: 'wrapup' }> => e.type === 'wrapup');
  const lastWrapup = wrapups[wrapups.length - 1];
  if (first && lastWrapup && ctx.customerId && !ctx.priorContact) {
    main.fcrContacts = 1;
    main.fcrResolved = lastWrapup.resolved && !ctx.repeatContact ? 1 : 0;
  }
  for (const e of sorted) {
    if (e.type !== 'survey') continue;
    if (e.csat != null && e.csat >= 1 && e.csat <= 5) addSums(main, { csatCount: 1, csatSatisfied: e.csat >= 4 ? 1 : 0 });
    if (e.nps != null && e.nps >= 0 && e.nps <= 10) addSums(main, { npsCount: 1, npsPromoters: e.nps >= 9 ? 1 : 0, npsDetractors: e.nps <= 6 ? 1 : 0 });
  }
  return { queue: queued.queue, queuedAt: queued.at, parts: [...byAgent].map(([agentId, sums]) => ({ agentId, sums })) };
}

/** Seconds on hold within [from, to): each hold runs to its unhold, or to the end of the leg. */
function holdSeconds(sorted: readonly ContactEvent[], from: Date, to: Date): number {
  let total = 0;
  let since: Date | undefined;
  for (const e of sorted) {
    if (e.type === 'hold' && !since) since = e.at;
    else if (e.type === 'unhold' && since) {
      total += overlap(since, e.at, from, to);
      since = undefined;
    }
  }
  if (since) total += overlap(since, to, from, to);
  return total;
}

const overlap = (a0: Date, a1: Date, b0: Date, b1: Date) =>
  Math.max(0, (Math.min(a1.getTime(), b1.getTime()) - Math.max(a0.getTime(), b0.getTime())) / 1000);

/** Logged-in time (everything but offline and away) and, of it, occupied time (on an offer, a call or its wrap-up). */
const STAFFED = new Set(['available', 'reserved', 'busy', 'wrap_up']);
const OCCUPIED = new Set(['reserved', 'busy', 'wrap_up']);

export interface StateChange {
  at: Date;
  state: string;
}

/**
 * An agent's staffed and occupied seconds in each 15-minute bucket of [from, to), from their
 * state at `from` and their changes after it. A stretch that crosses buckets (or midnight)
 * is split between them.
 */
export function agentTime(
  stateAtFrom: string | null,
  changes: readonly StateChange[],
  from: Date,
  to: Date,
  bucketOf: (at: Date) => Date,
  bucketMs: number,
): Map<number, { staffedSeconds: number; occupiedSeconds: number }> {
  const out = new Map<number, { staffedSeconds: number; occupiedSeconds: number }>();
  const spans: Array<{ state: string | null; start: number; end: number }> = [];
  let state = stateAtFrom;
  let start = from.getTime();
  for (const c of [...changes].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const t = c.at.getTime();
    if (t < from.getTime()) {
      state = c.state;
      continue;
    }
    if (t >= to.getTime()) break;
    spans.push({ state, start, end: t });
    state = c.state;
    start = t;
  }
  spans.push({ state, start, end: to.getTime() });
  for (const span of spans) {
    if (!span.state || !STAFFED.has(span.state) || span.end <= span.start) continue;
    for (let b = bucketOf(new Date(span.start)).getTime(); b < span.end; b += bucketMs) {
      const seconds = (Math.min(span.end, b + bucketMs) - Math.max(span.start, b)) / 1000;
      if (seconds <= 0) continue;
      const cell = out.get(b) ?? { staffedSeconds: 0, occupiedSeconds: 0 };
      cell.staffedSeconds += seconds;
      if (OCCUPIED.has(span.state)) cell.occupiedSeconds += seconds;
      out.set(b, cell);
    }
  }
  return out;
}

/**
 * How the agent's wrap-up after a conversation that ended at `endedAt` went, from their
 * state changes (in time order): wrap-up is the stretch in `wrap_up` entered at the end of the call (the
 * first change at or after it); 'none' when the agent did not go to wrap-up (another call
 * was still open), 'ongoing' while they are in it.
 */
export function wrapUpAfter(changes: readonly StateChange[], endedAt: Date): { endedAt: Date } | 'none' | 'ongoing' {
  // `changes` are in time order (as read): binary search, as every contact of the agent asks.
  const t = endedAt.getTime();
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (changes[mid]!.at.getTime() < t) lo = mid + 1;
    else hi = mid;
  }
  const entered = changes[lo];
  if (!entered || entered.state !== 'wrap_up') return entered ? 'none' : 'ongoing';
  for (let i = lo + 1; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.at.getTime() > entered.at.getTime() || c.state !== 'wrap_up') return { endedAt: c.at };
  }
  return 'ongoing';
}
