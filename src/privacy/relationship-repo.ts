import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';

/**
 * Whether an agent has, or recently had, a call with a customer (read-only). A call counts
 * while it is offered to the agent (the pop shows who is calling), while it is theirs, and
 * for the window after it: assigned, ended, accepted or transferred to them since `since`.
 */
export interface RelationshipRepo {
  servedSince(agentId: string, customerId: string, since: Date): Promise<boolean>;
  /** Of these calls, the ones the agent was offered or handled. */
  handledCalls(agentId: string, callIds: string[]): Promise<Set<string>>;
}

export function createRelationshipRepo(db: Db): RelationshipRepo {
  return {
    async servedSince(agentId, customerId, since) {
      const at = sqlTime(since);
      const [row] = await db.$queryRaw<Array<{ served: boolean }>>`
        SELECT EXISTS (
                 SELECT 1 FROM "QueueEntry" e LEFT JOIN "Call" c ON c."id" = e."callId"
                 WHERE e."customerId" = ${customerId} AND e."agentId" = ${agentId}
                   AND (e."status" = 'assigned' OR e."assignedAt" >= ${at}::timestamp OR c."endedAt" >= ${at}::timestamp))
            OR EXISTS (
                 SELECT 1 FROM "Reservation" r JOIN "QueueEntry" e ON e."id" = r."entryId"
                 WHERE r."agentId" = ${agentId} AND r."status" = 'pending' AND e."customerId" = ${customerId})
            OR EXISTS (
                 -- accepted, and a transfer's events (which name the agent the call went to)
                 SELECT 1 FROM "Call" c JOIN "CallEvent" ev ON ev."callId" = c."id"
                 WHERE c."customerId" = ${customerId} AND ev."data"->>'agentId' = ${agentId}
                   AND (ev."type" = 'accepted' OR ev."type" LIKE 'transfer%') AND ev."at" >= ${at}::timestamp) AS "served"`;
      return row?.served === true;
    },

    async handledCalls(agentId, callIds) {
      if (callIds.length === 0) return new Set();
      const rows = await db.$queryRaw<Array<{ callId: string }>>`
        SELECT "callId" FROM "QueueEntry" WHERE "callId" = ANY(${callIds}::text[]) AND "agentId" = ${agentId}
        UNION SELECT e."callId" FROM "Reservation" r JOIN "QueueEntry" e ON e."id" = r."entryId"
              WHERE e."callId" = ANY(${callIds}::text[]) AND r."agentId" = ${agentId} AND r."status" IN ('pending', 'accepted')
        UNION SELECT "callId" FROM "CallEvent" WHERE "callId" = ANY(${callIds}::text[]) AND "data"->>'agentId' = ${agentId}
              AND ("type" = 'accepted' OR "type" LIKE 'transfer%')`;
      return new Set(rows.map((r) => r.callId));
    },
  };
}
