import type { RealtimeAgent, RealtimeQueue, RealtimeStats } from '../analytics/realtime-stats.js';
import type { AgentState } from '../routing/agent-state.js';
import type { QueueStat } from '../routing/queue-store.js';

/**
 * What the supervisor socket pushes: GET /api/analytics/realtime's numbers, with every value
 * absolute (the oldest caller's `oldestEnqueuedAt`, not a wait that grows by itself), so two
 * reads with nothing happening in between are equal and a push goes out only on a change.
 * The page ticks waits and times in state from the message's `at` (the server's clock).
 */
export type LiveQueue = Omit<RealtimeQueue, 'oldestWaitSeconds'> & { oldestEnqueuedAt: string | null };

/** An agent with the call they are on (the oldest, with concurrency above 1). */
export type LiveAgent = RealtimeAgent & { call: AgentCall | null };
export interface AgentCall {
  callId: string;
  queue: string;
  since: string;
}

export interface LiveStats {
  queues: LiveQueue[];
  agents: { byState: Record<AgentState, number>; list: LiveAgent[] };
}

/** A caller in line, as the alert rules see them (callers on a callback have hung up and are not "waiting"). */
export interface WaitingCaller {
  callId: string;
  queue: string;
  enqueuedAt: Date;
  intent: string | null;
  path: string[];
}

export interface LiveStatsSource {
  stats(): Promise<LiveStats>;
  waitingCallers(limit: number): Promise<WaitingCaller[]>;
}

/** The realtime numbers of analytics, with the oldest callers' times and the agents' calls read beside them. */
export function createLiveStats(deps: {
  realtime: () => Promise<RealtimeStats>;
  queueStats: () => Promise<QueueStat[]>;
  reads: { currentCalls(): Promise<Map<string, AgentCall>>; waitingCallers(limit: number): Promise<WaitingCaller[]> };
}): LiveStatsSource {
  return {
    async stats() {
      const [realtime, waiting, calls] = await Promise.all([deps.realtime(), deps.queueStats(), deps.reads.currentCalls()]);
      const oldest = new Map(waiting.map((q) => [q.queue, q.oldestEnqueuedAt?.toISOString() ?? null]));
      return {
        queues: realtime.queues.map(({ oldestWaitSeconds: _relative, ...q }) => ({ ...q, oldestEnqueuedAt: oldest.get(q.queue) ?? null })),
        agents: { byState: realtime.agents.byState, list: realtime.agents.list.map((a) => ({ ...a, call: calls.get(a.id) ?? null })) },
      };
    },
    waitingCallers: (limit) => deps.reads.waitingCallers(limit),
  };
}
