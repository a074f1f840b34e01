import { randomUUID } from 'node:crypto';
import { insertCallEventSql } from '../calls/call-events.js';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import { agentMessageSql, toAgentMessage, type AgentMessage } from '../realtime/agent-messages.js';

export interface ConnectedPopStore {
  /**
   * Stores the pop for an agent the provider connected the call to, once per (call, agent):
   * the call's pop_sent event and the agent's message commit together. Undefined when it was
   * stored before (a repeated contact event) or the agent does not exist.
   */
  store(p: { agentId: string; callId: string; payload: Record<string, unknown>; at: Date }): Promise<AgentMessage | undefined>;
}

/**
 * One statement composed from the owners' parts (the event: call events; the message: agent
 * messages): the claim and the message cannot part, so a retried event neither loses the pop
 * nor sends it twice.
 */
export function createConnectedPopStore(db: Db): ConnectedPopStore {
  return {
    async store(p) {
      const at = sqlTime(p.at);
      const id = randomUUID();
      const seq = agentMessageSql.nextSeq(true);
      const rows = await db.$queryRaw<Array<{ seq: number }>>`
        WITH e AS (${insertCallEventSql({
          callId: Prisma.sql`${p.callId}`,
          key: Prisma.sql`${`pop:agent:${p.agentId}`}`,
          type: 'pop_sent',
          at,
          data: Prisma.sql`jsonb_build_object('agentId', ${p.agentId}::text)`,
          from: Prisma.sql`"Agent" ag`,
          when: Prisma.sql`ag."id" = ${p.agentId}`,
        })} RETURNING "id"),
        a AS (UPDATE "Agent" SET ${seq.set} WHERE "id" = ${p.agentId} AND EXISTS (SELECT 1 FROM e) RETURNING "Agent"."id", ${seq.returning})
        ${agentMessageSql.insert({ agentId: Prisma.sql`a."id"`, seq: Prisma.sql`a."lastSeq"`, id, type: 'screen_pop', ref: Prisma.sql`${`call:${p.callId}`}::text`, payload: p.payload, at, from: Prisma.sql`a`, when: true })}`;
      const row = rows[0];
      return row ? toAgentMessage({ id, seq: row.seq, type: 'screen_pop', payload: p.payload, createdAt: p.at }) : undefined;
    },
  };
}
