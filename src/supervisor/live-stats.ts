import type { AgentState } from '../routing/agent-state.js';

/**
 * What the supervisor socket pushes: every value is absolute (timestamps, counts), never a
 * duration that grows by itself, so two reads with nothing happening in between are equal
 * and a push goes out only when something changed. The page ticks waits and times in state
 * from `at` (the server's clock).
 */
export interface LiveQueue {
  queue: string;
  displayName?: unknown;
  /** Callers not yet with an agent (waiting or being offered). */
  waiting: number;
  oldestEnqueuedAt: string | null;
  /** Today (business time zone): calls that entered this queue, answered, abandoned after the short-abandon threshold. */
  offered: number;
  answered: number;
  abandoned: number;
  /** Answered within the threshold over offered less short abandons (callers still within it not counted yet); null when nothing to measure. */
  serviceLevel: number | null;
  serviceLevelThresholdSeconds: number;
}

export interface LiveAgent {
  id: string;
  name: string;
  state: AgentState;
  reason: string | null;
  since: string;
  /** The call the agent is on (the oldest, with concurrency above 1). */
  call: { callId: string; queue: string; since: string } | null;
}

export interface LiveStats {
  queues: LiveQueue[];
  agents: LiveAgent[];
  agentsByState: Record<AgentState, number>;
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
  stats(now: Date): Promise<LiveStats>;
  waitingCallers(limit: number): Promise<WaitingCaller[]>;
}
