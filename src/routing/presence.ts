import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';

export const AGENT_STATES = ['offline', 'available', 'reserved', 'busy', 'wrap_up', 'away'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/** What an agent may ask for; reserved and busy are the system's to set. */
export const ZStatusChange = z.object({
  status: z.enum(['available', 'away', 'offline']),
  reason: z.string().trim().min(1).max(100).optional(),
});
export type TStatusChange = z.infer<typeof ZStatusChange>;

// An agent on an offer or a call must finish it first: those states are left by accept,
// reject, timeout and hang-up, never by a status click.
const ALLOWED_FROM: Record<TStatusChange['status'], AgentState[]> = {
  available: ['offline', 'away', 'wrap_up', 'available'],
  away: ['offline', 'available', 'wrap_up', 'away'],
  offline: ['available', 'away', 'wrap_up', 'offline'],
};

export interface PresenceEvent {
  agentId: string;
  state: AgentState;
  reason: string | null;
  at: string;
}

export const PRESENCE_CHANNEL = 'agent.presence';

export interface Presence {
  /** An agent's own status change; 409 when the agent is on an offer or a call. */
  /** `onlyFrom` narrows the states it may leave (finishing wrap-up leaves only wrap-up). */
  setStatus(agentId: string, change: TStatusChange, source: string, onlyFrom?: AgentState[]): Promise<PresenceEvent>;
  /** Tells every node of a transition the queue store already made and recorded. */
  announce(agentId: string, state: AgentState, reason: string | null): Promise<void>;
}

export function createPresence(deps: { db: Db; bus: EventBus; now: () => Date }): Presence {
  async function announce(agentId: string, state: AgentState, reason: string | null, at = deps.now()): Promise<void> {
    const event: PresenceEvent = { agentId, state, reason, at: at.toISOString() };
    await deps.bus.publish(PRESENCE_CHANNEL, event);
  }

  return {
    announce: (agentId, state, reason) => announce(agentId, state, reason),
    async setStatus(agentId, change, source, onlyFrom) {
      const now = deps.now();
      const current = await deps.db.agent.findUnique({ where: { id: agentId }, select: { state: true } });
      if (!current) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
      const becomingIdle = change.status === 'available' && current.state !== 'available';
      const reason = change.status === 'away' ? (change.reason ?? 'away') : null;
      const updated = await deps.db.agent.updateMany({
        where: { id: agentId, state: { in: onlyFrom ?? ALLOWED_FROM[change.status] } },
        data: {
          state: change.status,
          stateReason: reason,
          stateSince: now,
          wrapUpUntil: null,
          ...(becomingIdle ? { idleSince: now, missedOffers: 0 } : {}),
        },
      });
      if (updated.count === 0) throw new AppError('CONFLICT', `status: agent is ${current.state}; finish the offer or call first`);
      await deps.db.agentStateEvent.create({ data: { agentId, state: change.status, reason, source, at: now } });
      await announce(agentId, change.status, reason, now);
      return { agentId, state: change.status, reason, at: now.toISOString() };
    },
  };
}
