import type { Db } from '../db/client.js';
import type { AgentCall, WaitingCaller } from './live-stats.js';

/**
 * The supervisor view's own reads: which call each agent is on, and who is waiting with what
 * IVR intent. Read-only: queue entries are written by routing's queue store.
 */
export function createLiveReads(db: Db) {
  return {
    async currentCalls(): Promise<Map<string, AgentCall>> {
      const rows = await db.$queryRaw<Array<{ agentId: string; callId: string; queue: string; assignedAt: Date }>>`
        SELECT DISTINCT ON ("agentId") "agentId", "callId", "queue", "assignedAt" FROM "QueueEntry"
        WHERE "status" = 'assigned' AND "agentId" IS NOT NULL AND "assignedAt" IS NOT NULL
        ORDER BY "agentId", "assignedAt"`;
      return new Map(rows.map((r) => [r.agentId, { callId: r.callId, queue: r.queue, since: r.assignedAt.toISOString() }]));
    },

    async waitingCallers(limit: number): Promise<WaitingCaller[]> {
      const rows = await db.$queryRaw<Array<{ callId: string; queue: string; enqueuedAt: Date; intent: unknown; path: unknown }>>`
        SELECT "callId", "queue", "enqueuedAt", "context"->'ivr'->'intent' AS "intent", "context"->'ivr'->'path' AS "path"
        FROM "QueueEntry" WHERE "status" IN ('waiting', 'offered') AND "kind" = 'call'
        ORDER BY "enqueuedAt" LIMIT ${limit}`;
      return rows.map((r) => ({
        callId: r.callId,
        queue: r.queue,
        enqueuedAt: r.enqueuedAt,
        intent: typeof r.intent === 'string' ? r.intent : null,
        path: Array.isArray(r.path) ? r.path.filter((p): p is string => typeof p === 'string') : [],
      }));
    },
  };
}
