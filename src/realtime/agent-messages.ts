import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';

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
  ack(agentId: string, id: string): Promise<{ type: string; ref: string | null } | undefined>;
  /** Deletes messages older than the retention window. */
  prune(before: Date): Promise<number>;
}

type Row = Prisma.AgentMessageGetPayload<object>;
const toMessage = (r: Row): AgentMessage => ({ ...(r.payload as Record<string, unknown>), type: r.type, id: r.id, seq: r.seq, at: r.createdAt.toISOString() });

/** Agent messages in the database, so a restart or another node loses nothing. */
export function createAgentMessageStore(deps: { db: Db; now: () => Date; retentionMs?: number }): AgentMessageStore {
  const retentionMs = deps.retentionMs ?? 24 * 3600_000;
  return {
    async append(agentId, type, payload, ref) {
      const createdAt = deps.now();
      const row = await deps.db.$transaction(async (tx) => {
        // The increment is one UPDATE: concurrent appends for one agent get distinct numbers.
        const { lastSeq } = await tx.agent.update({ where: { id: agentId }, data: { lastSeq: { increment: 1 } }, select: { lastSeq: true } });
        return tx.agentMessage.create({ data: { agentId, seq: lastSeq, type, ref: ref ?? null, payload: payload as Prisma.InputJsonValue, createdAt } });
      });
      return toMessage(row);
    },

    async since(agentId, lastSeq, limit = 500) {
      const rows = await deps.db.agentMessage.findMany({
        where: { agentId, seq: { gt: lastSeq }, createdAt: { gt: new Date(deps.now().getTime() - retentionMs) } },
        orderBy: { seq: 'asc' },
        take: limit,
      });
      return rows.map(toMessage);
    },

    async openPops(agentId) {
      const pending = await deps.db.reservation.findMany({ where: { agentId, status: 'pending', expiresAt: { gt: deps.now() } }, select: { id: true } });
      if (pending.length === 0) return [];
      const rows = await deps.db.agentMessage.findMany({ where: { agentId, type: 'screen_pop', ref: { in: pending.map((p) => p.id) } }, orderBy: { seq: 'asc' } });
      return rows.map(toMessage);
    },

    async ack(agentId, id) {
      const row = await deps.db.agentMessage.findUnique({ where: { id }, select: { agentId: true, type: true, ref: true, ackedAt: true } });
      if (!row || row.agentId !== agentId) return undefined;
      if (!row.ackedAt) await deps.db.agentMessage.updateMany({ where: { id, ackedAt: null }, data: { ackedAt: deps.now() } });
      return { type: row.type, ref: row.ref };
    },

    async prune(before) {
      return (await deps.db.agentMessage.deleteMany({ where: { createdAt: { lt: before } } })).count;
    },
  };
}
