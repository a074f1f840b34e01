import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { AGENT_STATES, type AgentState } from '../routing/agent-state.js';
import type { QueueStore } from '../routing/queue-store.js';
import type { LiveAgent, LiveStats, LiveStatsSource, WaitingCaller } from './live-stats.js';

export interface LiveStatsOptions {
  /** "Today" for the service level starts at midnight here. */
  businessTimeZone: string;
  /** Answered within this many seconds counts towards the service level (DESIGN.md: default 20). */
  serviceLevelSeconds: number;
  /** A caller who hangs up sooner than this is a short abandon, out of the service level (default 5). */
  shortAbandonSeconds: number;
}

type TodayRow = { queue: string; offered: number; answered: number; abandoned: number; shortAbandoned: number; inTime: number; undecided: number };
type AgentRow = { id: string; name: string; state: string; stateReason: string | null; stateSince: Date; callId: string | null; callQueue: string | null; assignedAt: Date | null };

/**
 * Live queue and agent numbers, read from the database on each call so every node shows the
 * same thing. Read-only: queues and agents are written by routing's stores.
 */
export function createLiveStatsRepo(db: Db, queues: Pick<QueueStore, 'queueStats'>, opts: LiveStatsOptions): LiveStatsSource {
  async function today(now: Date): Promise<Map<string, TodayRow>> {
    const dayStart = DateTime.fromJSDate(now).setZone(opts.businessTimeZone).startOf('day').toJSDate();
    const rows = await db.$queryRaw<TodayRow[]>`
      SELECT e."queue",
        COUNT(*)::int AS "offered",
        COUNT(*) FILTER (WHERE e."assignedAt" IS NOT NULL)::int AS "answered",
        COUNT(*) FILTER (WHERE e."outcome" = 'abandoned' AND c."endedAt" - e."enqueuedAt" >= make_interval(secs => ${opts.shortAbandonSeconds}))::int AS "abandoned",
        COUNT(*) FILTER (WHERE e."outcome" = 'abandoned' AND (c."endedAt" IS NULL OR c."endedAt" - e."enqueuedAt" < make_interval(secs => ${opts.shortAbandonSeconds})))::int AS "shortAbandoned",
        COUNT(*) FILTER (WHERE e."assignedAt" IS NOT NULL AND e."assignedAt" - e."enqueuedAt" <= make_interval(secs => ${opts.serviceLevelSeconds}))::int AS "inTime",
        COUNT(*) FILTER (WHERE e."status" IN ('waiting', 'offered') AND ${sqlTime(now)}::timestamp - e."enqueuedAt" <= make_interval(secs => ${opts.serviceLevelSeconds}))::int AS "undecided"
      FROM "QueueEntry" e LEFT JOIN "Call" c ON c."id" = e."callId"
      WHERE e."enqueuedAt" >= ${sqlTime(dayStart)}::timestamp AND e."kind" = 'call'
      GROUP BY e."queue"`;
    return new Map(rows.map((r) => [r.queue, r]));
  }

  async function agents(): Promise<LiveAgent[]> {
    const rows = await db.$queryRaw<AgentRow[]>`
      SELECT a."id", a."name", a."state", a."stateReason", a."stateSince", e."callId", e."queue" AS "callQueue", e."assignedAt"
      FROM "Agent" a
      LEFT JOIN LATERAL (
        SELECT q."callId", q."queue", q."assignedAt" FROM "QueueEntry" q
        WHERE q."agentId" = a."id" AND q."status" = 'assigned' ORDER BY q."assignedAt" LIMIT 1
      ) e ON true
      ORDER BY a."name", a."id"`;
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      state: r.state as AgentState,
      reason: r.stateReason,
      since: r.stateSince.toISOString(),
      call: r.callId && r.callQueue && r.assignedAt ? { callId: r.callId, queue: r.callQueue, since: r.assignedAt.toISOString() } : null,
    }));
  }

  return {
    async stats(now): Promise<LiveStats> {
      const [waiting, day, people] = await Promise.all([queues.queueStats(), today(now), agents()]);
      const names = new Set([...waiting.map((q) => q.queue), ...day.keys()]);
      const byQueue = new Map(waiting.map((q) => [q.queue, q]));
      const live = [...names].sort().map((name) => {
        const w = byQueue.get(name);
        const d = day.get(name);
        const measured = d ? d.offered - d.shortAbandoned - d.undecided : 0;
        return {
          queue: name,
          ...(w?.displayName === undefined ? {} : { displayName: w.displayName }),
          waiting: w?.depth ?? 0,
          oldestEnqueuedAt: w?.oldestEnqueuedAt?.toISOString() ?? null,
          offered: d?.offered ?? 0,
          answered: d?.answered ?? 0,
          abandoned: d?.abandoned ?? 0,
          serviceLevel: d && measured > 0 ? d.inTime / measured : null,
          serviceLevelThresholdSeconds: opts.serviceLevelSeconds,
        };
      });
      const agentsByState = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
      for (const a of people) agentsByState[a.state] = (agentsByState[a.state] ?? 0) + 1;
      return { queues: live, agents: people, agentsByState };
    },

    async waitingCallers(limit) {
      const rows = await db.$queryRaw<Array<{ callId: string; queue: string; enqueuedAt: Date; intent: unknown; path: unknown }>>`
        SELECT "callId", "queue", "enqueuedAt", "context"->'ivr'->'intent' AS "intent", "context"->'ivr'->'path' AS "path"
        FROM "QueueEntry" WHERE "status" IN ('waiting', 'offered') AND "kind" = 'call'
        ORDER BY "enqueuedAt" LIMIT ${limit}`;
      return rows.map(
        (r): WaitingCaller => ({
          callId: r.callId,
          queue: r.queue,
          enqueuedAt: r.enqueuedAt,
          intent: typeof r.intent === 'string' ? r.intent : null,
          path: Array.isArray(r.path) ? r.path.filter((p): p is string => typeof p === 'string') : [],
        }),
      );
    },
  };
}
