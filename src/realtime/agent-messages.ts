import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { AppError } from '../errors.js';

/** A message on an agent's softphone channel, as it goes over the socket. */
export interface AgentMessage {
  type: string;
  id: string;
  seq: number;
  at: string;
  [field: string]: unknown;
}

export interface AgentMessageStore {
  /** Stores the message under the agent's next sequence number. */
  append(agentId: string, type: string, payload: Record<string, unknown>, ref?: string): Promise<AgentMessage>;
  /** Messages after `lastSeq`, oldest first, within the retention window. */
  since(agentId: string, lastSeq: number, limit?: number): Promise<AgentMessage[]>;
  /** The pops of offers still open for this agent, so a refreshed page shows them at once. */
  openPops(agentId: string): Promise<AgentMessage[]>;
  /** Deletes messages older than the retention window. */
  prune(before: Date): Promise<number>;
}

/** A stored message as it goes over the socket: its payload's fields beside type, id, seq and time. */
export function toAgentMessage(r: { id: string; seq: number; type: string; payload: unknown; createdAt: Date }): AgentMessage {
  return { ...(r.payload as Record<string, unknown>), type: r.type, id: r.id, seq: r.seq, at: r.createdAt.toISOString() };
}

/** Agent messages in the database, so a restart or another node loses nothing. */
export function createAgentMessageStore(deps: { db: Db; now: () => Date; retentionMs?: number }): AgentMessageStore {
  const retentionMs = deps.retentionMs ?? 24 * 3600_000;
  return {
    async append(agentId, type, payload, ref) {
      const createdAt = deps.now();
      const id = randomUUID();
      // One statement: the increment is one UPDATE, so concurrent appends for one agent get
      // distinct numbers, and the message exists exactly when the number was taken.
      const rows = await deps.db.$queryRaw<Array<{ seq: number }>>`
        WITH a AS (UPDATE "Agent" SET "lastSeq" = "lastSeq" + 1 WHERE "id" = ${agentId} RETURNING "lastSeq")
        INSERT INTO "AgentMessage" ("agentId", "seq", "id", "type", "ref", "payload", "createdAt")
        SELECT ${agentId}, a."lastSeq", ${id}, ${type}, ${ref ?? null}, ${JSON.stringify(payload)}::jsonb, ${sqlTime(createdAt)}::timestamp FROM a
        RETURNING "seq"`;
      if (!rows[0]) throw new AppError('NOT_FOUND', `no agent ${agentId}`);
      return toAgentMessage({ id, seq: rows[0].seq, type, payload, createdAt });
    },

    async since(agentId, lastSeq, limit = 500) {
      const rows = await deps.db.agentMessage.findMany({
        where: { agentId, seq: { gt: lastSeq }, createdAt: { gt: new Date(deps.now().getTime() - retentionMs) } },
        orderBy: { seq: 'asc' },
        take: limit,
      });
      return rows.map(toAgentMessage);
    },

    async openPops(agentId) {
      const pending = await deps.db.reservation.findMany({ where: { agentId, status: 'pending', expiresAt: { gt: deps.now() } }, select: { id: true } });
      if (pending.length === 0) return [];
      const rows = await deps.db.agentMessage.findMany({ where: { agentId, type: 'screen_pop', ref: { in: pending.map((p) => p.id) } }, orderBy: { seq: 'asc' } });
      return rows.map(toAgentMessage);
    },

    async prune(before) {
      return (await deps.db.agentMessage.deleteMany({ where: { createdAt: { lt: before } } })).count;
    },
  };
}
