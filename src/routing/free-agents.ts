import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { AgentStateStore, FreeAgent } from './agent-state-store.js';
import { PRESENCE_CHANNEL } from './presence.js';

/** This node's read of the free agents, for the dispatch pass. */
export interface FreeAgents {
  /** The free agents as last read (read now when there is no read, or the clock went back). The dispatch pass removes those it takes. */
  get(now: Date): Promise<{ agents: FreeAgent[] }>;
  /** The agent was just offered a call: a refresh in flight must not bring them back. */
  offered(agentId: string): void;
  /** Drops the read: the next pass reads again. */
  forget(): void;
  /** Stops listening for presence changes and waits for a refresh in flight. */
  close(): Promise<void>;
}

/**
 * Free agents as last read. Re-reading thousands of agent rows for every arriving call would
 * cost more than the decision itself; the conditional UPDATE that makes an offer is what keeps
 * offers correct, so a stale entry only costs one failed attempt. Dropped on any presence
 * change seen here or on the bus (the next pass reads again before offering); past `ttlMs`
 * it is refreshed in the background, so no caller's offer waits on that read. Agents offered
 * while a refresh is in flight are left out of its result.
 */
export function createFreeAgents(deps: { agentState: Pick<AgentStateStore, 'free'>; bus: EventBus; logger: Logger; ttlMs: number }): FreeAgents {
  let free: { readAt: number; agents: FreeAgent[] } | undefined;
  let refreshing: Promise<void> | undefined;
  const offeredDuringRefresh = new Set<string>();
  const forget = () => {
    free = undefined;
  };
  const unsubscribe = deps.bus.subscribe(PRESENCE_CHANNEL, forget);

  async function read(at: number): Promise<void> {
    offeredDuringRefresh.clear();
    const agents = await deps.agentState.free();
    free = { readAt: at, agents: agents.filter((a) => !offeredDuringRefresh.has(a.id)) };
  }

  return {
    async get(now) {
      const at = now.getTime();
      if (!free || at < free.readAt) await read(at);
      else if (at - free.readAt > deps.ttlMs && !refreshing) {
        refreshing = read(at)
          .catch((err: unknown) => deps.logger.warn({ err }, 'agent refresh failed'))
          .finally(() => (refreshing = undefined));
      }
      return free!;
    },
    offered(agentId) {
      if (refreshing) offeredDuringRefresh.add(agentId);
    },
    forget,
    async close() {
      unsubscribe();
      await refreshing;
    },
  };
}
