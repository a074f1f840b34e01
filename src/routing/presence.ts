import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
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

/** The agent's state after a status change; `changed: false` when they were already in it. */
export interface StatusResult extends PresenceEvent {
  changed: boolean;
}

export interface Presence {
  /**
   * An agent's own status change; 409 when the agent is on an offer or a call. The same
   * state with the same reason again changes nothing (no event, no update, nothing
   * announced) and answers the current state, with the time it began.
   * `onlyFrom` narrows the states it may leave (finishing wrap-up leaves only wrap-up).
   */
  setStatus(agentId: string, change: TStatusChange, source: string, onlyFrom?: AgentState[]): Promise<StatusResult>;
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
      const at = sqlTime(now);
      const reason = change.status === 'away' ? (change.reason ?? 'away') : null;
      const from = Prisma.join(onlyFrom ?? ALLOWED_FROM[change.status]);
      // One statement, so the agent's new state and its event commit together or not at all,
      // and a repeat is recognised under the row lock rather than from an earlier read.
      const [row] = await deps.db.$queryRaw<Array<{ state: AgentState; stateReason: string | null; stateSince: Date; changed: boolean }>>`
        WITH cur AS (
          SELECT "id", "state", "stateReason", "stateSince" FROM "Agent" WHERE "id" = ${agentId} FOR UPDATE
        ), upd AS (
          UPDATE "Agent" a SET "state" = ${change.status}, "stateReason" = ${reason}::text, "stateSince" = ${at}::timestamp,
            "wrapUpUntil" = NULL, "updatedAt" = ${at}::timestamp,
            "idleSince" = CASE WHEN ${change.status}::text = 'available' AND cur."state" <> 'available' THEN ${at}::timestamp ELSE a."idleSince" END,
            "missedOffers" = CASE WHEN ${change.status}::text = 'available' AND cur."state" <> 'available' THEN 0 ELSE a."missedOffers" END
          FROM cur
          WHERE a."id" = cur."id" AND cur."state" IN (${from})
            AND NOT (cur."state" = ${change.status}::text AND cur."stateReason" IS NOT DISTINCT FROM ${reason}::text)
          RETURNING a."id"
        ), ev AS (
          INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "reason", "source", "at")
          SELECT ${randomUUID()}, "id", ${change.status}, ${reason}::text, ${source}, ${at}::timestamp FROM upd
        )
        SELECT cur."state", cur."stateReason", cur."stateSince", EXISTS (SELECT 1 FROM upd) AS "changed" FROM cur`;
      if (!row) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
      if (row.changed) {
        await announce(agentId, change.status, reason, now);
        return { agentId, state: change.status, reason, at: now.toISOString(), changed: true };
      }
      if (row.state === change.status && row.stateReason === reason) {
        return { agentId, state: row.state, reason: row.stateReason, at: new Date(row.stateSince).toISOString(), changed: false };
      }
      throw new AppError('CONFLICT', `status: agent is ${row.state}; finish the offer or call first`);
    },
  };
}
