import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { AppError } from '../errors.js';
import { Prisma } from '../generated/prisma/client.js';

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
}

/** A stored message as it goes over the socket: its payload's fields beside type, id, seq and time. */
export function toAgentMessage(r: { id: string; seq: number; type: string; payload: unknown; createdAt: Date }): AgentMessage {
  return { ...(r.payload as Record<string, unknown>), type: r.type, id: r.id, seq: r.seq, at: r.createdAt.toISOString() };
}

/**
 * Parts of statements that number, store or acknowledge a message, for the statements that
 * must do so in the same commit as another table's write (the offer: make-offer.ts; the
 * pop's ack: screenpop/pop-ack-store.ts). This file is the only writer of `AgentMessage` and
 * of the agent's message counter (`Agent.lastSeq`).
 */
export const agentMessageSql = {
  /**
   * For the Agent UPDATE of the same statement (a row is updated once per statement): takes
   * the agent's next number when `take`; `returning` names it in that UPDATE's RETURNING.
   */
  nextSeq(take: boolean): { set: Prisma.Sql; returning: Prisma.Sql } {
    return { set: Prisma.sql`"lastSeq" = "Agent"."lastSeq" + ${take ? 1 : 0}`, returning: Prisma.sql`"Agent"."lastSeq"` };
  },
  /**
   * Body of a CTE: stores the message for `agentId` numbered `seq` (expressions over `from`,
   * e.g. the CTE that took the number) when `when`; returns "id" and "seq".
   */
  insert(m: { agentId: Prisma.Sql; seq: Prisma.Sql; id: string; type: string; ref: Prisma.Sql; payload: Record<string, unknown>; at: string; from: Prisma.Sql; when: boolean }): Prisma.Sql {
    return Prisma.sql`
      INSERT INTO "AgentMessage" ("agentId", "seq", "id", "type", "ref", "payload", "createdAt")
      SELECT ${m.agentId}, ${m.seq}, ${m.id}, ${m.type}, ${m.ref}, ${JSON.stringify(m.payload)}::jsonb, ${m.at}::timestamp
      FROM ${m.from} WHERE ${m.when}
      RETURNING "id", "seq"`;
  },
  /** Body of a CTE: the agent's ack of a message (a repeat keeps the first time); returns its "type" and "ref". */
  ack(agentId: string, messageId: string, at: string): Prisma.Sql {
    return Prisma.sql`
      UPDATE "AgentMessage" SET "ackedAt" = COALESCE("ackedAt", ${at}::timestamp)
      WHERE "id" = ${messageId} AND "agentId" = ${agentId} RETURNING "type", "ref"`;
  },
};

/** Agent messages in the database, so a restart or another node loses nothing. */
export function createAgentMessageStore(deps: { db: Db; now: () => Date; retentionMs?: number }): AgentMessageStore {
  const retentionMs = deps.retentionMs ?? 24 * 3600_000;
  return {
    async append(agentId, type, payload, ref) {
      const createdAt = deps.now();
      const id = randomUUID();
      // One statement: the increment is one UPDATE, so concurrent appends for one agent get
      // distinct numbers, and the message exists exactly when the number was taken.
      const seq = agentMessageSql.nextSeq(true);
      const rows = await deps.db.$queryRaw<Array<{ seq: number }>>`
        WITH a AS (UPDATE "Agent" SET ${seq.set} WHERE "id" = ${agentId} RETURNING "Agent"."id", ${seq.returning})
        ${agentMessageSql.insert({ agentId: Prisma.sql`a."id"`, seq: Prisma.sql`a."lastSeq"`, id, type, ref: Prisma.sql`${ref ?? null}::text`, payload, at: sqlTime(createdAt), from: Prisma.sql`a`, when: true })}`;
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
  };
}

/**
 * The stored pops' part of an erasure, inside its transaction: every message that carries
 * one of these calls (a screen pop names its caller, account value, history and IVR inputs)
 * is deleted; a reconnecting softphone no longer gets it. Bare status updates (ids only) stay.
 */
export async function eraseAgentMessages(tx: Prisma.TransactionClient, callIds: string[]): Promise<number> {
  if (callIds.length === 0) return 0;
  return tx.$executeRaw`DELETE FROM "AgentMessage" WHERE "payload"->'call'->>'id' = ANY(${callIds}::text[])`;
}

/** Retention: removes up to `limit` messages stored before `before`, oldest first; returns how many. */
export async function removeAgentMessagesBefore(db: Db, before: Date, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "AgentMessage" WHERE "id" = ANY(ARRAY(
      SELECT "id" FROM "AgentMessage" WHERE "createdAt" < ${sqlTime(before)}::timestamp ORDER BY "createdAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED))`;
}
