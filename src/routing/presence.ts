import { z } from 'zod';
import { AppError } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import { checkTransition, type AgentState } from './agent-state.js';
import type { AgentStateStore, StatusChange } from './agent-state-store.js';

/** What an agent may ask for; reserved and busy are the system's to set. */
export const ZStatusChange = z.object({
  status: z.enum(['available', 'away', 'offline']),
  reason: z.string().trim().min(1).max(100).optional(),
});
export type TStatusChange = z.infer<typeof ZStatusChange>;

export interface PresenceEvent {
  agentId: string;
  state: AgentState;
  reason: string | null;
  at: string;
}

export const PRESENCE_CHANNEL = 'agent.presence';

/** The agent's state after a status change; `changed: false` when they were already in it. */
export interface StatusResult extends PresenceEvent {
  changed: boolean;
}

export interface Presence {
  /**
   * An agent's own status change (`by: 'admin'` when a supervisor or admin makes it for them);
   * 409 when the agent is on an offer or a call. The same state with the same reason again
   * changes nothing (no event, no update, nothing announced) and answers the current state,
   * with the time it began. `cause: 'wrap_up_done'` is the softphone's "done" after a call,
   * which leaves wrap-up only. Which states may be left, and by whom: agent-state.ts.
   */
  setStatus(agentId: string, change: TStatusChange, source: string, opts?: { by?: StatusChange['by']; cause?: StatusChange['cause'] }): Promise<StatusResult>;
  /** Tells every node of a transition the agent-state store already made and recorded. */
  announce(agentId: string, state: AgentState, reason: string | null): Promise<void>;
}

/** The agents' status changes and the announcement of every presence change to all nodes. */
export function createPresence(deps: { agentState: AgentStateStore; bus: EventBus; now: () => Date }): Presence {
  async function announce(agentId: string, state: AgentState, reason: string | null, at = deps.now()): Promise<void> {
    const event: PresenceEvent = { agentId, state, reason, at: at.toISOString() };
    await deps.bus.publish(PRESENCE_CHANNEL, event);
  }

  return {
    announce: (agentId, state, reason) => announce(agentId, state, reason),
    async setStatus(agentId, change, source, opts = {}) {
      const now = deps.now();
      const by = opts.by ?? 'agent';
      const cause = opts.cause ?? 'status';
      const reason = change.status === 'away' ? (change.reason ?? 'away') : null;
      const row = await deps.agentState.setStatus({ agentId, to: change.status, reason, by, cause, source, now });
      if (!row) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
      if (row.changed) {
        await announce(agentId, change.status, reason, now);
        return { agentId, state: change.status, reason, at: now.toISOString(), changed: true };
      }
      if (row.state === change.status && row.reason === reason) {
        return { agentId, state: row.state, reason: row.reason, at: row.since.toISOString(), changed: false };
      }
      const check = checkTransition(row.state, change.status, by, cause);
      throw new AppError('CONFLICT', `status: ${check.ok ? `agent is ${row.state}; try again` : check.reason}`);
    },
  };
}
