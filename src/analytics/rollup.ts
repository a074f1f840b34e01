import type { Logger } from '../logger.js';
import { BUCKET_MS, bucketOf } from './buckets.js';
import { contactEvents } from './contact-events.js';
import { addSums, agentTime, emptySums, measureContact, type KpiSums, type KpiThresholds, type StateChange } from './kpi-definitions.js';
import type { KpiSources } from './kpi-sources.js';
import { ALL, type KpiRow, type KpiStore } from './kpi-store.js';

export interface RollupOptions {
  zone: string;
  thresholds: KpiThresholds;
  /** FCR: a contact on any channel within this many days before or after makes a call not first-contact-resolved (7). */
  fcrWindowDays: number;
  /** How far back every tick rolls again: calls still talking, wrap-ups still running (2 h). */
  hotWindowMs: number;
  /** How far back the sweep rolls again: late surveys, wrap-ups, and repeat contacts it was not told of (8 days). */
  sweepDays: number;
}

/**
 * Keeps `KpiBucket` current. Rolling a bucket recomputes it whole from the stored facts, so a
 * roll can be repeated, run on any node, or run late, and the answer is the same. What is
 * rolled: every tick, the last two hours and every bucket with a caller still in line or on a
 * call, plus buckets marked dirty (a wrap-up, a survey, a repeat contact within the FCR
 * window); once an hour, the last eight days.
 */
export interface KpiRollup {
  /** Rolls [from, to) again, a day at a time. */
  roll(from: Date, to: Date): Promise<void>;
  tick(): Promise<void>;
  sweep(): Promise<void>;
  /** Something about this call changed (its wrap-up, its survey): its bucket is rolled at the next tick. */
  callChanged(callId: string): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;
// A conversation and its wrap-up rarely run past this: the agent states read after a range's end.
const WRAP_UP_LOOKAHEAD_MS = 4 * 3600 * 1000;

export function createKpiRollup(deps: { store: KpiStore; sources: KpiSources; now: () => Date; logger: Logger; options: RollupOptions }): KpiRollup {
  const { store, sources, options: o } = deps;
  const bucket = (at: Date) => bucketOf(at, o.zone);
  let openBefore: Date[] = [];
  let lastTick: Date | undefined;

  async function rollChunk(from: Date, to: Date): Promise<void> {
    const rolledAt = deps.now();
    const stateEnd = new Date(Math.min(rolledAt.getTime(), to.getTime() + WRAP_UP_LOOKAHEAD_MS));
    const [contacts, agents, registered] = await Promise.all([sources.contacts(from, to, o.fcrWindowDays), sources.agents(), sources.queueNames()]);
    const callIds = contacts.map((c) => c.callId);
    const [events, surveys, states] = await Promise.all([
      sources.callEvents(callIds),
      sources.surveys(callIds),
      sources.agentStates(agents.map((a) => a.id), from, stateEnd),
    ]);
    const eventsOf = groupBy(events, (e) => e.callId);
    const surveysOf = groupBy(surveys, (s) => s.callId);
    const changesOf = (agentId: string): StateChange[] => states.changes.get(agentId) ?? [];

    const cells = new Map<string, KpiRow>();
    const add = (queue: string, agentId: string, b: Date, sums: Partial<KpiSums>) => {
      const key = `${queue}\u0000${agentId}\u0000${b.getTime()}`;
      const cell = cells.get(key) ?? cells.set(key, { queue, agentId, bucket: b, sums: emptySums() }).get(key)!;
      addSums(cell.sums, sums);
    };

    for (const row of contacts) {
      const { events: evs, ctx } = contactEvents(row, eventsOf.get(row.callId) ?? [], surveysOf.get(row.callId) ?? [], changesOf);
      const m = measureContact(evs, ctx, o.thresholds, rolledAt);
      if (!m) continue;
      const b = bucket(m.queuedAt);
      for (const part of m.parts) {
        add(m.queue, ALL, b, part.sums);
        add(ALL, ALL, b, part.sums);
        if (part.agentId) {
          add(m.queue, part.agentId, b, part.sums);
          add(ALL, part.agentId, b, part.sums);
        }
      }
    }

    // Occupancy is the agent's, whatever the queue: per agent, for all agents, and for each
    // queue over the agents who serve it (an agent with no queues serves every queue).
    const queues = new Set([...registered, ...contacts.map((c) => c.queue)]);
    const occupancyEnd = new Date(Math.min(rolledAt.getTime(), to.getTime()));
    if (occupancyEnd > from) {
      for (const agent of agents) {
        const time = agentTime(states.initial.get(agent.id) ?? null, changesOf(agent.id), from, occupancyEnd, bucket, BUCKET_MS);
        const serves = agent.queues.length > 0 ? agent.queues : [...queues];
        for (const [b, t] of time) {
          const at = new Date(b);
          add(ALL, agent.id, at, t);
          add(ALL, ALL, at, t);
          for (const q of serves) add(q, ALL, at, t);
        }
      }
    }
    await store.replace(from, to, [...cells.values()], rolledAt);
  }

  async function roll(from: Date, to: Date): Promise<void> {
    for (let start = bucket(from); start < to; ) {
      const end = new Date(Math.min(start.getTime() + DAY_MS, bucket(new Date(to.getTime() - 1)).getTime() + BUCKET_MS));
      await rollChunk(start, end);
      start = end;
    }
  }

  /** Rolls each run of adjacent buckets as one range. */
  async function rollBuckets(buckets: Date[]): Promise<void> {
    const sorted = [...new Set(buckets.map((b) => b.getTime()))].sort((a, b) => a - b);
    let i = 0;
    while (i < sorted.length) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1]! - sorted[j]! === BUCKET_MS) j++;
      await roll(new Date(sorted[i]!), new Date(sorted[j]! + BUCKET_MS));
      i = j + 1;
    }
  }

  let running: Promise<void> | undefined;
  /** One roll at a time on this node; a tick asked for meanwhile waits for it, then runs. */
  const serial = (fn: () => Promise<void>) => {
    const next = (running ?? Promise.resolve()).catch(() => {}).then(fn);
    running = next;
    return next;
  };

  return {
    roll: (from, to) => serial(() => roll(from, to)),

    tick: () =>
      serial(async () => {
        const now = deps.now();
        // What changed since the last tick (a minute's overlap for clocks and slow commits).
        const since = new Date((lastTick ?? now).getTime() - (lastTick ? 60_000 : o.hotWindowMs));
        const [open, dirty, surveyed, near] = await Promise.all([
          // Connect contacts open for over a day are left to the sweep: most lost their DISCONNECTED.
          sources.openEntries(new Date(now.getTime() - DAY_MS)),
          store.dirty(500),
          sources.surveyedSince(since),
          sources.contactsNear(since, now, o.fcrWindowDays),
        ]);
        // Buckets open at the last tick are rolled once more: their calls may have ended since.
        const current = open.map(bucket);
        const extra = [...current, ...openBefore, ...dirty, ...surveyed.map(bucket), ...near.map(bucket)].filter((b) => b.getTime() < now.getTime() - o.hotWindowMs);
        openBefore = current;
        lastTick = now;
        await roll(new Date(now.getTime() - o.hotWindowMs), new Date(now.getTime() + 1));
        await rollBuckets(extra);
      }),

    sweep: () =>
      serial(async () => {
        const now = deps.now();
        await roll(new Date(now.getTime() - o.sweepDays * DAY_MS), new Date(now.getTime() + 1));
      }),

    async callChanged(callId) {
      const at = await sources.enqueuedAt(callId);
      if (at) await store.markDirty([bucket(at)], deps.now());
    },
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? out.set(k, []).get(k)!;
    list.push(item);
  }
  return out;
}
