import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import type { StateChange } from './kpi-definitions.js';

/** A queued contact as stored: its line entry, its call's start and end, and what its customer did around it. */
export interface ContactRow {
  callId: string;
  queue: string;
  kind: string;
  enqueuedAt: Date;
  outcome: string | null;
  /** '' when answered by someone we cannot name (a Connect user linked to no agent of ours). */
  agentId: string | null;
  assignedAt: Date | null;
  customerId: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Another contact of the customer (any channel) in the FCR window before this call; null when not asked (not answered, no customer). */
  priorContact: boolean | null;
  repeatContact: boolean | null;
  /**
   * Amazon Connect's contacts only (null for our own line's): whether COMPLETED has come, and
   * the after-contact work it reported (ISO times as stored; null when the agent did none).
   */
  connect: { completed: boolean; wrapUpStartedAt: string | null; wrapUpEndedAt: string | null } | null;
}

export interface CallEventRow {
  callId: string;
  type: string;
  at: Date;
  data: Record<string, string>;
}

/** A post-call survey's answers (SurveyFacts): csat 1..5, nps 0..10, either may be missing. */
export interface SurveyFacts {
  callId: string;
  at: Date;
  csat: number | null;
  nps: number | null;
}

export interface AgentStates {
  /** The state each agent was in at the start of the range (null: no event before it). */
  initial: Map<string, string | null>;
  changes: Map<string, StateChange[]>;
}

/**
 * The rows the KPI rollup reads (read-only: each table has its own writer). Timeline entries
 * that are not contacts — consent changes, survey answers — never count as a repeat contact.
 */
export interface KpiSources {
  contacts(from: Date, to: Date, fcrWindowDays: number): Promise<ContactRow[]>;
  callEvents(callIds: string[]): Promise<CallEventRow[]>;
  surveys(callIds: string[]): Promise<SurveyFacts[]>;
  agents(): Promise<Array<{ id: string; queues: string[] }>>;
  queueNames(): Promise<string[]>;
  queueRegistered(name: string): Promise<boolean>;
  agentExists(id: string): Promise<boolean>;
  /** Every agent's presence now, for the live view. */
  presence(): Promise<Array<{ id: string; name: string; state: string; reason: string | null; since: Date }>>;
  agentStates(agentIds: string[], from: Date, to: Date): Promise<AgentStates>;
  /**
   * Entries still in line or with an agent: their buckets change until they end. Connect
   * contacts are looked for among those queued since `since` (older ones: the sweep's).
   */
  openEntries(since: Date): Promise<Date[]>;
  /** When a call joined the line (undefined: it never did). */
  enqueuedAt(callId: string): Promise<Date | undefined>;
  /** When the contacts joined the line whose surveys were answered since `since`. */
  surveyedSince(since: Date): Promise<Date[]>;
  /**
   * When the answered contacts joined the line of customers who contacted us (any channel)
   * in [since, until]: their first-contact resolution may have changed (FCR window `days`).
   */
  contactsNear(since: Date, until: Date, days: number): Promise<Date[]>;
}

/** Timeline types that are not the customer contacting us. */
export const NOT_CONTACTS = ['consent', 'survey', 'follow_up'];
const KPI_EVENT_TYPES = ['accepted', 'wrapup', 'hold', 'unhold'];
/**
 * Amazon Connect runs its own line: its contacts have no QueueEntry, only the contact events
 * stored on the call (src/calls/external-events.ts), each once under these keys with the
 * event's own time. QUEUED is when the contact joined the line; CONNECTED_TO_AGENT when an
 * agent answered (data.agentId: ours, when their connectAgentArn matched); the call's endedAt
 * is DISCONNECTED's; COMPLETED, when the contact is over including the agent's after-contact
 * work (data.wrapUpStartedAt/wrapUpEndedAt when they did some).
 */
const CONNECT_QUEUED = 'connect:QUEUED';
const CONNECT_ANSWERED = 'connect:CONNECTED_TO_AGENT';
const CONNECT_COMPLETED = 'connect:COMPLETED';

export function createKpiSources(db: Db): KpiSources {
  return {
    async contacts(from, to, days) {
      // The two EXISTS walk the timeline's (customerId, at) index, only for answered calls
      // of known customers (the only ones FCR can judge).
      // Connect's contacts (no QueueEntry) as entries, from their contact events, through the
      // (key, at) index: answered ('assigned') once connected to an agent, 'abandoned' when the
      // call ended first, with what their COMPLETED said (`connect`). An agent we cannot name
      // ('') still answered: the contact counts for its queue and for all, for no agent. A queue
      // we have not synced the name of is skipped.
      const rows = await db.$queryRaw<ContactRow[]>`
        WITH e AS (
          SELECT e."callId", e."queue", e."kind", e."enqueuedAt", e."outcome", e."agentId", e."assignedAt", e."customerId",
                 c."startedAt", c."endedAt", NULL::jsonb AS "connect"
          FROM "QueueEntry" e LEFT JOIN "Call" c ON c."id" = e."callId"
          WHERE e."enqueuedAt" >= ${sqlTime(from)}::timestamp AND e."enqueuedAt" < ${sqlTime(to)}::timestamp
          UNION ALL
          SELECT q."callId", COALESCE(c."queue", q."data"->>'queue'), 'call', q."at",
                 CASE WHEN a."at" IS NOT NULL THEN 'assigned' WHEN c."endedAt" IS NOT NULL THEN 'abandoned' END,
                 CASE WHEN a."at" IS NOT NULL THEN COALESCE(a."data"->>'agentId', '') END, a."at", c."customerId",
                 c."startedAt", c."endedAt",
                 jsonb_build_object('completed', d."at" IS NOT NULL, 'wrapUpStartedAt', d."data"->>'wrapUpStartedAt', 'wrapUpEndedAt', d."data"->>'wrapUpEndedAt')
          FROM "CallEvent" q JOIN "Call" c ON c."id" = q."callId"
          LEFT JOIN "CallEvent" a ON a."callId" = q."callId" AND a."key" = ${CONNECT_ANSWERED}
          LEFT JOIN "CallEvent" d ON d."callId" = q."callId" AND d."key" = ${CONNECT_COMPLETED}
          WHERE q."key" = ${CONNECT_QUEUED} AND q."at" >= ${sqlTime(from)}::timestamp AND q."at" < ${sqlTime(to)}::timestamp
            AND COALESCE(c."queue", q."data"->>'queue') IS NOT NULL
        )
        SELECT e.*,
               CASE WHEN e."assignedAt" IS NOT NULL AND e."customerId" IS NOT NULL THEN EXISTS (
                 SELECT 1 FROM "Interaction" i WHERE i."customerId" = e."customerId"
                   AND i."at" >= COALESCE(e."startedAt", e."enqueuedAt") - make_interval(days => ${days}) AND i."at" < COALESCE(e."startedAt", e."enqueuedAt")
                   AND i."callId" IS DISTINCT FROM e."callId" AND i."type" <> ALL(${NOT_CONTACTS}::text[])) END AS "priorContact",
               CASE WHEN e."assignedAt" IS NOT NULL AND e."customerId" IS NOT NULL THEN EXISTS (
                 SELECT 1 FROM "Interaction" i WHERE i."customerId" = e."customerId"
                   AND i."at" > COALESCE(e."startedAt", e."enqueuedAt") AND i."at" <= COALESCE(e."startedAt", e."enqueuedAt") + make_interval(days => ${days})
                   AND i."callId" IS DISTINCT FROM e."callId" AND i."type" <> ALL(${NOT_CONTACTS}::text[])) END AS "repeatContact"
        FROM e`;
      return rows;
    },

    async callEvents(callIds) {
      if (callIds.length === 0) return [];
      const rows = await db.$queryRaw<CallEventRow[]>`
        SELECT "callId", "type", "at", "data" FROM "CallEvent"
        WHERE "callId" = ANY(${callIds}::text[]) AND "type" = ANY(${KPI_EVENT_TYPES}::text[])`;
      return rows;
    },

    async surveys(callIds) {
      if (callIds.length === 0) return [];
      // SurveyResponse is the survey module's (src/analytics/survey*): one row per answered survey.
      return db.$queryRaw<SurveyFacts[]>`
        SELECT "callId", "answeredAt" AS "at", "csat", "nps" FROM "SurveyResponse" WHERE "callId" = ANY(${callIds}::text[])`;
    },

    async surveyedSince(since) {
      const rows = await db.$queryRaw<Array<{ enqueuedAt: Date }>>`
        SELECT e."enqueuedAt" FROM "SurveyResponse" s JOIN "QueueEntry" e ON e."callId" = s."callId"
        WHERE s."answeredAt" >= ${sqlTime(since)}::timestamp
        UNION ALL
        SELECT q."at" FROM "SurveyResponse" s JOIN "CallEvent" q ON q."callId" = s."callId" AND q."key" = ${CONNECT_QUEUED}
        WHERE s."answeredAt" >= ${sqlTime(since)}::timestamp`;
      return rows.map((r) => r.enqueuedAt);
    },

    async contactsNear(since, until, days) {
      const rows = await db.$queryRaw<Array<{ enqueuedAt: Date }>>`
        SELECT DISTINCT e."enqueuedAt"
        FROM (SELECT "customerId", MIN("at") AS "lo", MAX("at") AS "hi" FROM "Interaction"
              WHERE "at" >= ${sqlTime(since)}::timestamp AND "at" <= ${sqlTime(until)}::timestamp AND "customerId" IS NOT NULL
                AND "type" <> ALL(${NOT_CONTACTS}::text[])
              GROUP BY "customerId") i
        JOIN LATERAL (
          SELECT e."enqueuedAt" FROM "QueueEntry" e WHERE e."customerId" = i."customerId"
            AND e."assignedAt" >= i."lo" - make_interval(days => ${days + 1}) AND e."assignedAt" <= i."hi" + make_interval(days => ${days})
          UNION ALL
          -- Connect's answered contacts, through the calls' customerId index and the events' (callId, key).
          SELECT q."at" FROM "Call" c
          JOIN "CallEvent" a ON a."callId" = c."id" AND a."key" = ${CONNECT_ANSWERED}
          JOIN "CallEvent" q ON q."callId" = c."id" AND q."key" = ${CONNECT_QUEUED}
          WHERE c."customerId" = i."customerId" AND c."provider" = 'connect'
            AND a."at" >= i."lo" - make_interval(days => ${days + 1}) AND a."at" <= i."hi" + make_interval(days => ${days})
        ) e ON true`;
      return rows.map((r) => r.enqueuedAt);
    },

    async agents() {
      return db.$queryRaw<Array<{ id: string; queues: string[] }>>`SELECT "id", "queues" FROM "Agent"`;
    },

    async queueNames() {
      const rows = await db.$queryRaw<Array<{ name: string }>>`SELECT "name" FROM "RoutingQueue"`;
      return rows.map((r) => r.name);
    },

    async queueRegistered(name) {
      return (await db.$queryRaw<unknown[]>`SELECT 1 FROM "RoutingQueue" WHERE "name" = ${name}`).length > 0;
    },

    async agentExists(id) {
      return (await db.$queryRaw<unknown[]>`SELECT 1 FROM "Agent" WHERE "id" = ${id}`).length > 0;
    },

    async presence() {
      return db.$queryRaw<Array<{ id: string; name: string; state: string; reason: string | null; since: Date }>>`
        SELECT "id", "name", "state", "stateReason" AS "reason", "stateSince" AS "since" FROM "Agent" ORDER BY "name", "id"`;
    },

    async agentStates(agentIds, from, to) {
      if (agentIds.length === 0) return { initial: new Map(), changes: new Map() };
      const [before, during] = await Promise.all([
        // Each agent's last change before the range, through the (agentId, at) index.
        db.$queryRaw<Array<{ id: string; state: string | null }>>`
          SELECT a.id, (SELECT s."state" FROM "AgentStateEvent" s WHERE s."agentId" = a.id AND s."at" < ${sqlTime(from)}::timestamp ORDER BY s."at" DESC LIMIT 1) AS "state"
          FROM unnest(${agentIds}::text[]) AS a(id)`,
        db.$queryRaw<Array<{ agentId: string; state: string; at: Date }>>`
          SELECT "agentId", "state", "at" FROM "AgentStateEvent"
          WHERE "agentId" = ANY(${agentIds}::text[]) AND "at" >= ${sqlTime(from)}::timestamp AND "at" < ${sqlTime(to)}::timestamp
          ORDER BY "agentId", "at"`,
      ]);
      const changes = new Map<string, StateChange[]>();
      for (const r of during) {
        const list = changes.get(r.agentId) ?? changes.set(r.agentId, []).get(r.agentId)!;
        list.push({ at: r.at, state: r.state });
      }
      return { initial: new Map(before.map((r) => [r.id, r.state])), changes };
    },

    async openEntries(since) {
      const rows = await db.$queryRaw<Array<{ enqueuedAt: Date }>>`
        SELECT "enqueuedAt" FROM "QueueEntry" WHERE "status" IN ('waiting', 'offered', 'assigned')
        UNION
        -- Driven by the (key, at) index, the call read by id per contact: a join lets the planner
        -- scan every call for the few with no end.
        SELECT q."at" FROM "CallEvent" q
        WHERE q."key" = ${CONNECT_QUEUED} AND q."at" >= ${sqlTime(since)}::timestamp
          AND (SELECT c."endedAt" FROM "Call" c WHERE c."id" = q."callId") IS NULL`;
      return rows.map((r) => r.enqueuedAt);
    },

    async enqueuedAt(callId) {
      const rows = await db.$queryRaw<Array<{ enqueuedAt: Date }>>`
        SELECT "enqueuedAt" FROM "QueueEntry" WHERE "callId" = ${callId}
        UNION ALL
        SELECT "at" FROM "CallEvent" WHERE "callId" = ${callId} AND "key" = ${CONNECT_QUEUED}`;
      return rows[0]?.enqueuedAt;
    },
  };
}
