import { DateTime } from 'luxon';
import { AGENT_STATES, type AgentState } from '../routing/agent-state.js';
import type { QueueStat } from '../routing/queue-store.js';
import { kpisFrom, type KpiThresholds } from './kpi-definitions.js';
import type { KpiSources } from './kpi-sources.js';
import type { KpiStore } from './kpi-store.js';

export interface RealtimeQueue {
  queue: string;
  displayName?: unknown;
  /** Callers not yet with an agent (waiting or being offered). */
  waiting: number;
  oldestWaitSeconds: number | null;
  /** Today on the business clock, from the rollup (as current as its last tick). */
  serviceLevelToday: number | null;
  serviceLevelSeconds: number;
  offeredToday: number;
  answeredToday: number;
  abandonedToday: number;
}

export interface RealtimeAgent {
  id: string;
  name: string;
  state: AgentState;
  reason: string | null;
  since: string;
}

export interface RealtimeStats {
  at: string;
  queues: RealtimeQueue[];
  agents: { byState: Record<AgentState, number>; list: RealtimeAgent[] };
}

/** Queues (waiting, oldest wait, service level today) and agents by state, now. */
export async function realtimeStats(deps: {
  queueStats: () => Promise<QueueStat[]>;
  store: Pick<KpiStore, 'byQueue'>;
  sources: Pick<KpiSources, 'presence'>;
  thresholds: KpiThresholds;
  zone: string;
  now: () => Date;
}): Promise<RealtimeStats> {
  const now = deps.now();
  const dayStart = DateTime.fromJSDate(now, { zone: deps.zone }).startOf('day');
  const [waiting, today, people] = await Promise.all([
    deps.queueStats(),
    deps.store.byQueue(dayStart.toJSDate(), dayStart.plus({ days: 1 }).toJSDate()),
    deps.sources.presence(),
  ]);
  const names = [...new Set([...waiting.map((q) => q.queue), ...today.keys()])].sort();
  const byName = new Map(waiting.map((q) => [q.queue, q]));
  const queues = names.map((queue): RealtimeQueue => {
    const w = byName.get(queue);
    const sums = today.get(queue);
    const k = sums ? kpisFrom(sums) : undefined;
    return {
      queue,
      ...(w?.displayName === undefined ? {} : { displayName: w.displayName }),
      waiting: w?.depth ?? 0,
      oldestWaitSeconds: w?.oldestEnqueuedAt ? Math.max(0, Math.round((now.getTime() - w.oldestEnqueuedAt.getTime()) / 1000)) : null,
      serviceLevelToday: k?.serviceLevel ?? null,
      serviceLevelSeconds: deps.thresholds.serviceLevelSeconds(queue),
      offeredToday: k?.offered ?? 0,
      answeredToday: k?.answered ?? 0,
      abandonedToday: k?.abandoned ?? 0,
    };
  });
  const byState = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
  const list = people.map((p): RealtimeAgent => ({ id: p.id, name: p.name, state: p.state as AgentState, reason: p.reason, since: p.since.toISOString() }));
  for (const a of list) byState[a.state] = (byState[a.state] ?? 0) + 1;
  return { at: now.toISOString(), queues, agents: { byState, list } };
}
