import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import type { AgentSnapshot } from './rules/index.js';
import { fromStates, type AgentState, type AgentStateActor, type TransitionCause } from './agent-state.js';

/**
 * The only writer of an agent's state (`Agent.state`, `stateReason`, `stateSince`,
 * `idleSince`, `activeCount`, `missedOffers`, `wrapUpUntil`) and of `AgentStateEvent`: each
 * change and its timestamped event are one SQL statement, and each statement leaves only the
 * states `agent-state.ts` lists for its cause. Profiles are agent-repo's; `lastSeq` is the
 * agent message store's.
 *
 * Changes that belong to a call or an offer run inside the queue store's transactions, which
 * lock entry, then reservation, then agent (see queue-store.ts): they take the transaction's
 * client and always come last. The offer itself is one statement, composed in make-offer.ts
 * from `offerAgentSql`.
 */

/** An agent's state after a change, as their softphone shows it. */
export interface AgentPresence {
  state: AgentState;
  reason: string | null;
}

/** An agent free to be offered a call, as routing matches them. */
export type FreeAgent = AgentSnapshot & { queues: string[] };

/** A database client or the client of a transaction in progress. */
type Client = Pick<Db, '$queryRaw'>;

const states = (list: AgentState[]) => Prisma.join(list);

/** SQL that writes the event of the agents a CTE returned ("id", "state"). */
function eventOf(cte: string, p: { reason: Prisma.Sql; source: string; at: string; when?: Prisma.Sql }): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "reason", "source", "at")
    SELECT gen_random_uuid()::text, ${Prisma.raw(cte)}."id", ${Prisma.raw(cte)}."state", ${p.reason}, ${p.source}, ${p.at}::timestamp
    FROM ${Prisma.raw(cte)} WHERE ${p.when ?? Prisma.sql`true`}`;
}

export interface StatusChange {
  agentId: string;
  to: 'available' | 'away' | 'offline';
  reason: string | null;
  by: Extract<AgentStateActor, 'agent' | 'admin'>;
  cause: Extract<TransitionCause, 'status' | 'wrap_up_done'>;
  /** Recorded on the event: where the change came from (api, socket, …). */
  source: string;
  now: Date;
}

export interface AgentStateStore {
  /**
   * The agent's (or an admin's) status change. `changed: false` with the agent's current
   * state when nothing was written: the same state with the same reason again, or a state the
   * table does not let them leave this way. Undefined for an unknown agent.
   */
  setStatus(change: StatusChange): Promise<(AgentPresence & { changed: boolean; since: Date }) | undefined>;
  current(agentId: string): Promise<AgentPresence | undefined>;
  /** Agents free to be offered a call now. */
  free(): Promise<FreeAgent[]>;
  /** Wrap-ups whose time is over become available; returns those agents. */
  finishWrapUps(now: Date): Promise<string[]>;
  /** Agents reserved with no open offer, or busy with no call (a lost write): set free. */
  freeStranded(now: Date): Promise<Array<{ agentId: string; state: AgentState }>>;
}

export function createAgentStateStore(db: Db): AgentStateStore {
  return {
    async setStatus(c) {
      const at = sqlTime(c.now);
      // One statement, so the agent's new state and its event commit together or not at all,
      // and a repeat is recognised under the row lock rather than from an earlier read.
      const [row] = await db.$queryRaw<Array<{ state: AgentState; stateReason: string | null; stateSince: Date; changed: boolean }>>`
        WITH cur AS (
          SELECT "id", "state", "stateReason", "stateSince" FROM "Agent" WHERE "id" = ${c.agentId} FOR UPDATE
        ), upd AS (
          UPDATE "Agent" a SET "state" = ${c.to}, "stateReason" = ${c.reason}::text, "stateSince" = ${at}::timestamp,
            "wrapUpUntil" = NULL, "updatedAt" = ${at}::timestamp,
            "idleSince" = CASE WHEN ${c.to}::text = 'available' AND cur."state" <> 'available' THEN ${at}::timestamp ELSE a."idleSince" END,
            "missedOffers" = CASE WHEN ${c.to}::text = 'available' AND cur."state" <> 'available' THEN 0 ELSE a."missedOffers" END
          FROM cur
          WHERE a."id" = cur."id" AND cur."state" IN (${states(fromStates(c.cause, c.to, c.by))})
            AND NOT (cur."state" = ${c.to}::text AND cur."stateReason" IS NOT DISTINCT FROM ${c.reason}::text)
          RETURNING a."id", a."state"
        ), ev AS (${eventOf('upd', { reason: Prisma.sql`${c.reason}::text`, source: c.source, at })})
        SELECT cur."state", cur."stateReason", cur."stateSince", EXISTS (SELECT 1 FROM upd) AS "changed" FROM cur`;
      if (!row) return undefined;
      if (row.changed) return { state: c.to, reason: c.reason, since: c.now, changed: true };
      return { state: row.state, reason: row.stateReason, since: new Date(row.stateSince), changed: false };
    },

    async current(agentId) {
      const row = await db.agent.findUnique({ where: { id: agentId }, select: { state: true, stateReason: true } });
      return row ? { state: row.state as AgentState, reason: row.stateReason } : undefined;
    },

    async free() {
      // Raw: thousands of rows, read whenever presence changes; Prisma's ORM path costs twice the CPU.
      const rows = await db.$queryRaw<Array<{ id: string; state: string; skills: unknown; languages: string[]; activeCount: number; maxConcurrency: number; idleSince: Date; queues: string[] }>>`
        SELECT "id", "state", "skills", "languages", "activeCount", "maxConcurrency", "idleSince", "queues" FROM "Agent" WHERE "state" = 'available'`;
      return rows.map((r) => ({
        id: r.id,
        state: r.state as FreeAgent['state'],
        skills: r.skills as Record<string, number>,
        languages: r.languages,
        activeCount: r.activeCount,
        maxConcurrency: r.maxConcurrency,
        idleSince: r.idleSince.getTime(),
        queues: r.queues,
      }));
    },

    async finishWrapUps(now) {
      // One statement for every agent due: the UPDATE re-checks each row once it holds its
      // lock, so of two nodes ticking at once only one moves (and records) an agent.
      const at = sqlTime(now);
      const rows = await db.$queryRaw<Array<{ id: string }>>`
        WITH upd AS (
          UPDATE "Agent" SET "state" = 'available', "stateSince" = ${at}::timestamp, "idleSince" = ${at}::timestamp, "wrapUpUntil" = NULL,
                             "updatedAt" = ${at}::timestamp
          WHERE "state" IN (${states(fromStates('wrap_up_over'))}) AND "wrapUpUntil" <= ${at}::timestamp
          RETURNING "id", "state"
        ), ev AS (${eventOf('upd', { reason: Prisma.sql`'wrap-up over'`, source: 'routing', at })})
        SELECT "id" FROM upd`;
      return rows.map((r) => r.id);
    },

    async freeStranded(now) {
      // The writes that make these states commit with their offer or call, so only a lost
      // write leaves an agent so.
      const at = sqlTime(now);
      const rows = await db.$queryRaw<Array<{ id: string; state: AgentState }>>`
        WITH stranded AS (
          SELECT a."id", a."state" FROM "Agent" a
          WHERE (a."state" IN (${states(fromStates('stranded', 'available'))})
                 AND NOT EXISTS (SELECT 1 FROM "Reservation" r WHERE r."agentId" = a."id" AND r."status" = 'pending'))
             OR (a."state" IN (${states(fromStates('stranded', 'wrap_up'))})
                 AND NOT EXISTS (SELECT 1 FROM "QueueEntry" q WHERE q."agentId" = a."id" AND q."status" IN ('assigned', 'transferring'))
                 -- A warm hand-over's target has the call (or is being given it) while it is still the first agent's.
                 AND NOT EXISTS (SELECT 1 FROM "QueueEntry" q WHERE q."status" = 'transferring' AND q."context"->'transferring'->>'toAgentId' = a."id"))
          FOR UPDATE
        ), upd AS (
          UPDATE "Agent" SET "state" = CASE WHEN stranded."state" = 'busy' THEN 'wrap_up' ELSE 'available' END,
                             "activeCount" = 0, "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp,
                             "wrapUpUntil" = CASE WHEN stranded."state" = 'busy' THEN ${at}::timestamp + make_interval(secs => "Agent"."wrapUpSeconds") ELSE NULL END
          FROM stranded WHERE "Agent"."id" = stranded."id"
          RETURNING "Agent"."id", "Agent"."state"
        ), ev AS (${eventOf('upd', { reason: Prisma.sql`'no call'`, source: 'reconcile', at })})
        SELECT "id", "state" FROM upd`;
      return rows.map((r) => ({ agentId: r.id, state: r.state }));
    },
  };
}

/**
 * Transitions made inside the queue store's transactions (`tx`), after it has locked the
 * entry and the reservation: each is one statement that locks the agent, moves them if the
 * table allows it from their current state, and records the event.
 */
export const agentStateInTx = {
  /** The agent accepted an offer: one more call; busy at their concurrency, else still available. Undefined if not reserved. */
  async accept(tx: Client, agentId: string, now: Date): Promise<AgentPresence | undefined> {
    const at = sqlTime(now);
    const [row] = await tx.$queryRaw<Array<{ state: AgentState }>>`
      WITH upd AS (
        UPDATE "Agent" SET "activeCount" = "activeCount" + 1, "missedOffers" = 0, "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp,
                           "state" = CASE WHEN "activeCount" + 1 >= "maxConcurrency" THEN 'busy' ELSE 'available' END
        WHERE "id" = ${agentId} AND "state" IN (${states(fromStates('accept'))})
        RETURNING "id", "state"
      ), ev AS (${eventOf('upd', { reason: Prisma.sql`NULL`, source: 'accept', at })})
      SELECT "state" FROM upd`;
    return row && { state: row.state, reason: null };
  },

  /**
   * An offer ended unanswered: rejected, timed out or withdrawn. The agent is available again,
   * or away once they have missed `awayAfterMisses` offers in a row. An agent no longer
   * reserved stays as they are (only the miss is counted).
   */
  async offerEnded(tx: Client, agentId: string, outcome: 'rejected' | 'timeout' | 'cancelled', now: Date, awayAfterMisses: number): Promise<AgentPresence> {
    const at = sqlTime(now);
    const missed = outcome === 'timeout';
    const [row] = await tx.$queryRaw<Array<{ state: AgentState; stateReason: string | null; moved: boolean }>>`
      WITH cur AS (
        SELECT "id", "missedOffers" + ${missed ? 1 : 0} AS "misses",
               "state" IN (${states(fromStates('offer_declined'))}) AS "moves",
               "state" IN (${states(fromStates('offers_missed'))}) AND ${missed} AND "missedOffers" + 1 >= ${awayAfterMisses} AS "away"
        FROM "Agent" WHERE "id" = ${agentId} FOR UPDATE
      ), upd AS (
        UPDATE "Agent" a SET
          "state" = CASE WHEN cur."away" THEN 'away' WHEN cur."moves" THEN 'available' ELSE a."state" END,
          "stateReason" = CASE WHEN cur."away" THEN 'missed offers' ELSE a."stateReason" END,
          "missedOffers" = CASE WHEN cur."away" THEN 0 ELSE cur."misses" END,
          "stateSince" = CASE WHEN cur."moves" THEN ${at}::timestamp ELSE a."stateSince" END,
          "updatedAt" = ${at}::timestamp
        FROM cur WHERE a."id" = cur."id"
        RETURNING a."id", a."state", a."stateReason", cur."moves" AS "moved"
      ), ev AS (${eventOf('upd', { reason: Prisma.sql`CASE WHEN upd."state" = 'away' THEN 'missed offers' ELSE ${outcome} END`, source: 'routing', at, when: Prisma.sql`upd."moved"` })})
      SELECT "state", "stateReason", "moved" FROM upd`;
    if (!row) throw new Error(`no agent ${agentId}`);
    return { state: row.state, reason: row.state === 'away' && row.moved ? 'missed offers' : row.moved ? null : row.stateReason };
  },

  /** The accepted call could not be connected: one call fewer, and the agent is free again. */
  async bridgeFailed(tx: Client, agentId: string, now: Date): Promise<void> {
    const at = sqlTime(now);
    await tx.$queryRaw`
      WITH cur AS (
        SELECT "id", "state" IN (${states(fromStates('bridge_failed'))}) AS "moves" FROM "Agent" WHERE "id" = ${agentId} FOR UPDATE
      ), upd AS (
        UPDATE "Agent" a SET "activeCount" = a."activeCount" - 1,
          "state" = CASE WHEN cur."moves" THEN 'available' ELSE a."state" END,
          "stateSince" = CASE WHEN cur."moves" THEN ${at}::timestamp ELSE a."stateSince" END, "updatedAt" = ${at}::timestamp
        FROM cur WHERE a."id" = cur."id"
        RETURNING a."id", a."state", cur."moves"
      ), ev AS (${eventOf('upd', { reason: Prisma.sql`'bridge failed'`, source: 'routing', at, when: Prisma.sql`upd."moves"` })})
      SELECT 1 AS "done" FROM upd`;
  },

  /** The caller hung up while the agent was being offered the call: the agent is free again. */
  async callerHungUp(tx: Client, agentId: string, now: Date): Promise<void> {
    const at = sqlTime(now);
    await tx.$queryRaw`
      WITH upd AS (
        UPDATE "Agent" SET "state" = 'available', "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp
        WHERE "id" = ${agentId} AND "state" IN (${states(fromStates('caller_hung_up'))})
        RETURNING "id", "state"
      ), ev AS (${eventOf('upd', { reason: Prisma.sql`'caller hung up'`, source: 'routing', at })})
      SELECT 1 AS "done" FROM upd`;
  },

  /** A connected call ended: one call fewer; after the last one, timed wrap-up. */
  async callEnded(tx: Client, agentId: string, now: Date): Promise<void> {
    await leaveCall(tx, agentId, now, 'call_ended');
  },

  /** The agent transferred their caller to someone else: as the call's end for them (one call fewer, then wrap-up). */
  async transferredAway(tx: Client, agentId: string, now: Date): Promise<void> {
    await leaveCall(tx, agentId, now, 'transferred');
  },
};

/** One call fewer for the agent; after the last one, timed wrap-up. */
async function leaveCall(tx: Client, agentId: string, now: Date, cause: 'call_ended' | 'transferred'): Promise<void> {
  const at = sqlTime(now);
  const source = cause === 'call_ended' ? 'call_end' : 'routing';
  const reason = cause === 'call_ended' ? Prisma.sql`NULL` : Prisma.sql`'transferred'`;
  await tx.$queryRaw`
    WITH cur AS (
      SELECT "id", "activeCount" - 1 <= 0 AND "state" IN (${states(fromStates(cause))}) AS "moves"
      FROM "Agent" WHERE "id" = ${agentId} FOR UPDATE
    ), upd AS (
      UPDATE "Agent" a SET "activeCount" = GREATEST(a."activeCount" - 1, 0),
        "state" = CASE WHEN cur."moves" THEN 'wrap_up' ELSE a."state" END,
        "stateSince" = CASE WHEN cur."moves" THEN ${at}::timestamp ELSE a."stateSince" END,
        "wrapUpUntil" = CASE WHEN cur."moves" THEN ${at}::timestamp + make_interval(secs => a."wrapUpSeconds") ELSE a."wrapUpUntil" END,
        "updatedAt" = ${at}::timestamp
      FROM cur WHERE a."id" = cur."id"
      RETURNING a."id", a."state", cur."moves"
    ), ev AS (${eventOf('upd', { reason, source, at, when: Prisma.sql`upd."moves"` })})
    SELECT 1 AS "done" FROM upd`;
}

/**
 * The agent's part of the one-statement offer (make-offer.ts), as CTE bodies. `lockIfFree`
 * locks the agent, once the CTE `gate` has a row, and keeps them only if the table lets an
 * offer leave their state and they are under their concurrency; `reserve` moves the agent
 * locked in `locked` (gated again by `gate`) and sets `alsoSet` in the same UPDATE (a row is
 * updated once per statement), returning "id" and `also.returning`; `event` records it once `madeBy`
 * (the reservation) has a row.
 */
export const offerAgentSql = {
  lockIfFree(agentId: string, gate: string): Prisma.Sql {
    // Locked by its key alone (OFFSET 0 keeps the state test out of that scan): given both, a
    // planner whose statistics say "nobody is available" (after a night of offline agents)
    // walked every available agent through the state index.
    return Prisma.sql`
      SELECT "id" FROM (SELECT "id", "state", "activeCount", "maxConcurrency" FROM "Agent"
                        WHERE "id" = ${agentId} AND EXISTS (SELECT 1 FROM ${Prisma.raw(gate)}) OFFSET 0 FOR UPDATE) locked
      WHERE "state" IN (${states(fromStates('offer'))}) AND "activeCount" < "maxConcurrency"`;
  },
  reserve(locked: string, gate: string, at: string, also: { set: Prisma.Sql; returning: Prisma.Sql }): Prisma.Sql {
    return Prisma.sql`
      UPDATE "Agent" SET "state" = 'reserved', "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp, ${also.set}
      FROM ${Prisma.raw(gate)} WHERE "Agent"."id" = (SELECT "id" FROM ${Prisma.raw(locked)}) RETURNING "Agent"."id", ${also.returning}`;
  },
  event(reserved: string, madeBy: string, at: string): Prisma.Sql {
    return Prisma.sql`
      INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "source", "at")
      SELECT ${randomUUID()}, ${Prisma.raw(reserved)}."id", 'reserved', 'routing', ${at}::timestamp FROM ${Prisma.raw(reserved)}, ${Prisma.raw(madeBy)}`;
  },
};
