import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { toAgentMessage, type AgentMessage } from '../realtime/agent-messages.js';
import { Prisma } from '../generated/prisma/client.js';

export interface QueueEntryRecord {
  id: string;
  callId: string;
  customerId: string | null;
  language: string;
  kind: 'call' | 'callback';
  queue: string;
  priority: number;
  enqueuedAt: Date;
  status: 'waiting' | 'offered' | 'assigned' | 'done';
  ruleVersion: number;
  rule: string;
  decision: unknown;
  context: unknown;
  stepIndex: number;
  excludedAgents: string[];
  callbackNumber: string | null;
  outcome: string | null;
  agentId: string | null;
  assignedAt: Date | null;
}

export interface ReservationRecord {
  id: string;
  entryId: string;
  agentId: string;
  status: 'pending' | 'accepted' | 'rejected' | 'timeout' | 'cancelled' | 'failed';
  createdAt: Date;
  expiresAt: Date;
}

type EntryRow = Prisma.QueueEntryGetPayload<object>;
// Named columns, never `*`, in prepared statements (see src/db/client.ts).
const ENTRY_COLUMNS = Prisma.raw(
  ['id', 'callId', 'customerId', 'language', 'kind', 'queue', 'priority', 'enqueuedAt', 'status', 'ruleVersion', 'rule', 'decision', 'context',
   'stepIndex', 'excludedAgents', 'callbackNumber', 'outcome', 'agentId', 'assignedAt', 'updatedAt'].map((f) => `"${f}"`).join(', '),
);
const toEntry = (r: EntryRow): QueueEntryRecord => ({ ...r, kind: r.kind as QueueEntryRecord['kind'], status: r.status as QueueEntryRecord['status'] });
const toReservation = (r: Prisma.ReservationGetPayload<object>): ReservationRecord => ({ ...r, status: r.status as ReservationRecord['status'] });

type Tx = Prisma.TransactionClient;

/**
 * Every transaction locks rows in one order — entry, then reservation, then agent — so
 * two transactions on the same call can wait for each other but never deadlock.
 */
async function lockEntry(tx: Tx, where: { id: string } | { callId: string }): Promise<EntryRow | undefined> {
  const rows =
    'id' in where
      ? await tx.$queryRaw<EntryRow[]>`SELECT ${ENTRY_COLUMNS} FROM "QueueEntry" WHERE "id" = ${where.id} FOR UPDATE`
      : await tx.$queryRaw<EntryRow[]>`SELECT ${ENTRY_COLUMNS} FROM "QueueEntry" WHERE "callId" = ${where.callId} FOR UPDATE`;
  return rows[0];
}

/** Thrown inside a transaction to roll it back when another node won the race. */
class Lost extends Error {}

export interface NewEntry {
  callId: string;
  customerId: string | null;
  language: string;
  queue: string;
  priority: number;
  enqueuedAt: Date;
  ruleVersion: number;
  rule: string;
  decision: unknown;
  context: unknown;
}

/** An agent's state after a change the queue store made, as their softphone shows it. */
export interface AgentPresence {
  state: string;
  reason: string | null;
}

/** What the agent is told about an offer, stored as their next softphone message. */
export interface OfferNotice {
  type: string;
  payload: Record<string, unknown>;
  /** A line on the call's record (e.g. pop_sent), written with the offer. */
  callEvent?: { key: string; type: string; data: Record<string, string> };
}

export interface NewOffer {
  /** Chosen by the caller so the notice can name the reservation before it exists. */
  id: string;
  entryId: string;
  agentId: string;
  now: Date;
  expiresAt: Date;
  notice?: OfferNotice;
}

/**
 * The queue and its offers. Every state change is a conditional UPDATE (… WHERE status =
 * 'waiting'), which PostgreSQL applies one at a time per row: of two nodes offering one
 * agent or one call, exactly one sees a row count of 1.
 */
export interface QueueStore {
  /** Idempotent per call; undefined when the call has ended (a finished call never queues). */
  enqueue(entry: NewEntry): Promise<QueueEntryRecord | undefined>;
  waiting(limit: number): Promise<QueueEntryRecord[]>;
  entryByCall(callId: string): Promise<QueueEntryRecord | undefined>;
  entry(id: string): Promise<QueueEntryRecord | undefined>;
  reservation(id: string): Promise<ReservationRecord | undefined>;
  pendingFor(agentId: string): Promise<ReservationRecord[]>;
  updateStep(entryId: string, data: { queue: string; priority: number; stepIndex: number; decision?: unknown; ruleVersion?: number; rule?: string; excludedAgents?: string[] }): Promise<void>;
  /**
   * Offers the entry to the agent; undefined when either was taken meanwhile. The agent's
   * notice of the offer (the screen pop) is stored in the same commit, so an offer never
   * exists without the message that tells the agent about it.
   */
  reserve(offer: NewOffer): Promise<(ReservationRecord & { message?: AgentMessage }) | undefined>;
  /**
   * Accepts a pending, unexpired offer: the entry is assigned, the agent busy. 'caller_gone'
   * when the call ended before the accept (nothing is bridged to a caller who left).
   */
  accept(reservationId: string, agentId: string, now: Date): Promise<{ entry: QueueEntryRecord; reservation: ReservationRecord; agent: AgentPresence } | { callerGone: string } | undefined>;
  /**
   * What a lost write or a crash can leave behind: calls in line (or with an agent) that
   * have ended, and agents reserved or busy with no offer or call. Returns the ended calls
   * (for callEnded) and frees the agents.
   */
  reconcile(now: Date): Promise<{ endedCalls: string[]; freedAgents: Array<{ agentId: string; state: string }> }>;
  /** Ends a pending offer (rejected, timed out, cancelled or failed) and puts the entry back in line. */
  release(reservationId: string, status: 'rejected' | 'timeout' | 'cancelled', now: Date, opts: { awayAfterMisses?: number }): Promise<{ reservation: ReservationRecord; agent: AgentPresence } | undefined>;
  /** A bridge to the agent failed after accept: undo the assignment so the call is offered again. */
  unassign(entryId: string, agentId: string, now: Date): Promise<void>;
  expired(now: Date, limit: number): Promise<ReservationRecord[]>;
  /** The caller hung up: a waiting call is abandoned once; an assigned one frees its agent into wrap-up. */
  callEnded(callId: string, now: Date, opts?: { callbackLeg?: boolean }): Promise<{ entry: QueueEntryRecord; cancelled: ReservationRecord[]; wrapUpAgent?: string } | undefined>;
  /** The caller left a number: the entry keeps its place in line as a callback. */
  toCallback(callId: string, number: string): Promise<QueueEntryRecord | undefined>;
  finishWrapUps(now: Date): Promise<string[]>;
  position(entry: QueueEntryRecord): Promise<number>;
  /** Who last took a call of this customer, and when. */
  lastAgent(customerId: string): Promise<{ agentId: string; at: Date } | undefined>;
  /** Callers not yet with an agent, per queue (every registered queue, empty ones too): read-only, for metrics. */
  queueStats(): Promise<QueueStat[]>;
}

/** A queue's callers not yet with an agent (waiting or being offered), and since when the first of them waits. */
export interface QueueStat {
  queue: string;
  depth: number;
  oldestEnqueuedAt: Date | null;
}

export function createQueueStore(db: Db): QueueStore {
  return {
    async enqueue(e) {
      // Insert-or-nothing in one statement (an upsert is a transaction of four; Prisma compiles
      // createMany anew on every call); a repeat reads the first.
      const at = sqlTime(e.enqueuedAt);
      const [row] = await db.$queryRaw<EntryRow[]>`
        INSERT INTO "QueueEntry" ("id", "callId", "customerId", "language", "queue", "priority", "enqueuedAt", "ruleVersion", "rule",
                                  "decision", "context", "updatedAt")
        SELECT ${randomUUID()}, ${e.callId}, ${e.customerId}, ${e.language}, ${e.queue}, ${e.priority}, ${at}::timestamp, ${e.ruleVersion},
               ${e.rule}, ${JSON.stringify(e.decision)}::jsonb, ${JSON.stringify(e.context)}::jsonb, ${at}::timestamp
        WHERE NOT EXISTS (SELECT 1 FROM "Call" WHERE "id" = ${e.callId} AND "endedAt" IS NOT NULL)
        ON CONFLICT ("callId") DO NOTHING
        RETURNING ${ENTRY_COLUMNS}`;
      if (row) return toEntry(row);
      const existing = await db.queueEntry.findUnique({ where: { callId: e.callId } });
      return existing ? toEntry(existing) : undefined;
    },

    async waiting(limit) {
      // Raw: every dispatch pass starts here, and Prisma's ORM path costs twice the CPU of its raw one.
      const rows = await db.$queryRaw<EntryRow[]>`
        SELECT ${ENTRY_COLUMNS} FROM "QueueEntry" WHERE "status" = 'waiting' ORDER BY "priority" DESC, "enqueuedAt", "id" LIMIT ${limit}`;
      return rows.map(toEntry);
    },

    async entryByCall(callId) {
      const row = await db.queueEntry.findUnique({ where: { callId } });
      return row ? toEntry(row) : undefined;
    },

    async entry(id) {
      const row = await db.queueEntry.findUnique({ where: { id } });
      return row ? toEntry(row) : undefined;
    },

    async reservation(id) {
      const row = await db.reservation.findUnique({ where: { id } });
      return row ? toReservation(row) : undefined;
    },

    async pendingFor(agentId) {
      return (await db.reservation.findMany({ where: { agentId, status: 'pending' }, orderBy: { createdAt: 'asc' } })).map(toReservation);
    },

    async updateStep(entryId, data) {
      await db.queueEntry.updateMany({
        where: { id: entryId, status: { in: ['waiting', 'offered'] } },
        data: { ...data, decision: data.decision as Prisma.InputJsonValue | undefined },
      });
    },

    async reserve(offer) {
      // One statement, one round trip: the offer is on the hot path of every call. Entry and
      // agent are locked first (entry, then agent: the order every transaction here uses)
      // and checked once locked, so either both are still free and every write below
      // happens, or neither is and nothing does. Each is locked by its key alone (OFFSET 0
      // keeps the state test out of that scan): given both, a planner whose statistics say
      // "nobody is available" (after a night of offline agents) walked every available
      // agent through the state index.
      const at = sqlTime(offer.now);
      const notice = offer.notice;
      const event = notice?.callEvent;
      const rows = await db.$queryRaw<Array<{ seq: number | null; messageId: string | null }>>`
        WITH e0 AS (
          SELECT "id" FROM (SELECT "id", "status", "callId", "kind" FROM "QueueEntry" WHERE "id" = ${offer.entryId} OFFSET 0 FOR UPDATE) locked
          -- A caller who hung up is never offered (a callback's caller has hung up by design).
          WHERE "status" = 'waiting'
            AND ("kind" = 'callback' OR NOT EXISTS (SELECT 1 FROM "Call" WHERE "Call"."id" = locked."callId" AND "Call"."endedAt" IS NOT NULL))
        ), a0 AS (
          SELECT "id" FROM (SELECT "id", "state", "activeCount", "maxConcurrency" FROM "Agent"
                            WHERE "id" = ${offer.agentId} AND EXISTS (SELECT 1 FROM e0) OFFSET 0 FOR UPDATE) locked
          WHERE "state" = 'available' AND "activeCount" < "maxConcurrency"
        ), e AS (
          UPDATE "QueueEntry" SET "status" = 'offered', "updatedAt" = ${at}::timestamp
          FROM a0 WHERE "QueueEntry"."id" = (SELECT "id" FROM e0) RETURNING "QueueEntry"."id", "QueueEntry"."callId"
        ), a AS (
          UPDATE "Agent" SET "state" = 'reserved', "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp,
                             "lastSeq" = "Agent"."lastSeq" + ${notice ? 1 : 0}
          FROM e0 WHERE "Agent"."id" = (SELECT "id" FROM a0) RETURNING "Agent"."id", "Agent"."lastSeq"
        ), r AS (
          INSERT INTO "Reservation" ("id", "entryId", "agentId", "status", "createdAt", "expiresAt")
          SELECT ${offer.id}, e."id", a."id", 'pending', ${at}::timestamp, ${sqlTime(offer.expiresAt)}::timestamp FROM e, a
          RETURNING "id"
        ), s AS (
          INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "source", "at")
          SELECT ${randomUUID()}, a."id", 'reserved', 'routing', ${at}::timestamp FROM a, r
        ), m AS (
          INSERT INTO "AgentMessage" ("agentId", "seq", "id", "type", "ref", "payload", "createdAt")
          SELECT a."id", a."lastSeq", ${randomUUID()}, ${notice?.type ?? ''}, r."id", ${JSON.stringify(notice?.payload ?? {})}::jsonb, ${at}::timestamp
          FROM a, r WHERE ${notice !== undefined}
          RETURNING "id", "seq"
        ), c AS (
          INSERT INTO "CallEvent" ("id", "callId", "key", "type", "at", "data")
          SELECT ${randomUUID()}, e."callId", ${event?.key ?? ''}, ${event?.type ?? ''}, ${at}::timestamp, ${JSON.stringify(event?.data ?? {})}::jsonb
          FROM e, r WHERE ${event !== undefined}
          ON CONFLICT ("callId", "key") DO NOTHING
        )
        SELECT m."seq", m."id" AS "messageId" FROM r LEFT JOIN m ON true`;
      const row = rows[0];
      if (!row) return undefined;
      const reservation: ReservationRecord = { id: offer.id, entryId: offer.entryId, agentId: offer.agentId, status: 'pending', createdAt: offer.now, expiresAt: offer.expiresAt };
      if (!notice || row.seq === null || !row.messageId) return reservation;
      return { ...reservation, message: toAgentMessage({ id: row.messageId, seq: row.seq, type: notice.type, payload: notice.payload, createdAt: offer.now }) };
    },

    async accept(reservationId, agentId, now) {
      try {
        return await db.$transaction(async (tx) => {
          const target = await tx.reservation.findUnique({ where: { id: reservationId } });
          if (!target) throw new Lost();
          const locked = await lockEntry(tx, { id: target.entryId });
          if (!locked) throw new Lost();
          const call = locked.kind === 'call' ? await tx.call.findUnique({ where: { id: locked.callId }, select: { endedAt: true } }) : null;
          if (call?.endedAt && target.status === 'pending' && target.agentId === agentId) return { callerGone: locked.callId };
          const r = await tx.reservation.updateMany({
            where: { id: reservationId, agentId, status: 'pending', expiresAt: { gt: now } },
            data: { status: 'accepted', respondedAt: now },
          });
          if (r.count !== 1) throw new Lost();
          const entry = await tx.queueEntry.update({ where: { id: target.entryId }, data: { status: 'assigned', outcome: 'assigned', agentId, assignedAt: now } });
          // One UPDATE: the new state follows from the incremented count.
          const [agent] = await tx.$queryRaw<Array<{ state: string }>>`
            UPDATE "Agent" SET "activeCount" = "activeCount" + 1, "missedOffers" = 0, "stateSince" = ${sqlTime(now)}::timestamp,
                               "updatedAt" = ${sqlTime(now)}::timestamp,
                               "state" = CASE WHEN "activeCount" + 1 >= "maxConcurrency" THEN 'busy' ELSE 'available' END
            WHERE "id" = ${agentId} RETURNING "state"`;
          if (!agent) throw new Lost();
          const state = agent.state;
          await tx.agentStateEvent.create({ data: { agentId, state, source: 'accept', at: now } });
          return { entry: toEntry(entry), reservation: toReservation({ ...target, status: 'accepted', respondedAt: now }), agent: { state, reason: null } };
        });
      } catch (err) {
        if (err instanceof Lost) return undefined;
        throw err;
      }
    },

    async release(reservationId, status, now, opts) {
      try {
        return await db.$transaction(async (tx) => {
          const target = await tx.reservation.findUnique({ where: { id: reservationId } });
          if (!target) throw new Lost();
          const entry = await lockEntry(tx, { id: target.entryId });
          const r = await tx.reservation.updateMany({ where: { id: reservationId, status: 'pending' }, data: { status, respondedAt: now } });
          if (r.count !== 1 || !entry) throw new Lost();
          const reservation = { ...target, status, respondedAt: now };
          if (entry.status === 'offered') {
            await tx.queueEntry.update({
              where: { id: entry.id },
              data: { status: 'waiting', excludedAgents: status === 'cancelled' ? entry.excludedAgents : [...new Set([...entry.excludedAgents, reservation.agentId])] },
            });
          }
          const agent = await tx.agent.findUniqueOrThrow({ where: { id: reservation.agentId } });
          const misses = status === 'timeout' ? agent.missedOffers + 1 : agent.missedOffers;
          const away = status === 'timeout' && misses >= (opts.awayAfterMisses ?? 2);
          const state = agent.state !== 'reserved' ? agent.state : away ? 'away' : 'available';
          await tx.agent.update({
            where: { id: agent.id },
            data: { state, missedOffers: away ? 0 : misses, stateSince: now, ...(away ? { stateReason: 'missed offers' } : {}) },
          });
          await tx.agentStateEvent.create({ data: { agentId: agent.id, state, reason: away ? 'missed offers' : status, source: 'routing', at: now } });
          return { reservation: toReservation(reservation), agent: { state, reason: away ? 'missed offers' : agent.state !== 'reserved' ? agent.stateReason : null } };
        });
      } catch (err) {
        if (err instanceof Lost) return undefined;
        throw err;
      }
    },

    async unassign(entryId, agentId, now) {
      await db.$transaction(async (tx) => {
        const entry = await lockEntry(tx, { id: entryId });
        if (!entry || entry.status !== 'assigned') return;
        await tx.queueEntry.update({ where: { id: entryId }, data: { status: 'waiting', outcome: null, agentId: null, assignedAt: null, excludedAgents: [...new Set([...entry.excludedAgents, agentId])] } });
        await tx.agent.update({ where: { id: agentId }, data: { activeCount: { decrement: 1 }, state: 'available', stateSince: now } });
        await tx.agentStateEvent.create({ data: { agentId, state: 'available', reason: 'bridge failed', source: 'routing', at: now } });
      });
    },

    async expired(now, limit) {
      return (await db.reservation.findMany({ where: { status: 'pending', expiresAt: { lte: now } }, take: limit })).map(toReservation);
    },

    async callEnded(callId, now, opts = {}) {
      return db.$transaction(async (tx) => {
        const entry = await lockEntry(tx, { callId });
        // The caller who chose a callback hangs up at once: that keeps their place. Only the
        // end of the callback leg itself finishes such an entry.
        if (!entry || entry.status === 'done' || (entry.kind === 'callback') !== Boolean(opts.callbackLeg)) return undefined;
        if (entry.status === 'assigned') {
          const agentId = entry.agentId!;
          const done = await tx.queueEntry.updateMany({ where: { id: entry.id, status: 'assigned' }, data: { status: 'done' } });
          if (done.count !== 1) return undefined;
          const agent = await tx.agent.update({ where: { id: agentId }, data: { activeCount: { decrement: 1 } } });
          if (agent.activeCount <= 0) {
            await tx.agent.update({ where: { id: agentId }, data: { activeCount: 0, state: 'wrap_up', stateSince: now, wrapUpUntil: new Date(now.getTime() + agent.wrapUpSeconds * 1000) } });
            await tx.agentStateEvent.create({ data: { agentId, state: 'wrap_up', source: 'call_end', at: now } });
          }
          return { entry: toEntry({ ...entry, status: 'done' }), cancelled: [], wrapUpAgent: agentId };
        }
        const done = await tx.queueEntry.updateMany({ where: { id: entry.id, status: { in: ['waiting', 'offered'] } }, data: { status: 'done', outcome: 'abandoned' } });
        if (done.count !== 1) return undefined;
        const pending = await tx.reservation.findMany({ where: { entryId: entry.id, status: 'pending' } });
        for (const r of pending) {
          await tx.reservation.update({ where: { id: r.id }, data: { status: 'cancelled', respondedAt: now } });
          await tx.agent.updateMany({ where: { id: r.agentId, state: 'reserved' }, data: { state: 'available', stateSince: now } });
          await tx.agentStateEvent.create({ data: { agentId: r.agentId, state: 'available', reason: 'caller hung up', source: 'routing', at: now } });
        }
        return { entry: toEntry({ ...entry, status: 'done', outcome: 'abandoned' }), cancelled: pending.map((r) => toReservation({ ...r, status: 'cancelled' })) };
      });
    },

    async reconcile(now) {
      const ended = await db.$queryRaw<Array<{ callId: string }>>`
        SELECT q."callId" FROM "QueueEntry" q JOIN "Call" c ON c."id" = q."callId"
        WHERE q."status" IN ('waiting', 'offered', 'assigned') AND q."kind" = 'call' AND c."endedAt" IS NOT NULL LIMIT 100`;
      // Reserved with no open offer, busy with no call: set free. The writes that make these
      // states commit with their offer or call, so only a lost write leaves an agent so.
      const at = sqlTime(now);
      const freed = await db.$queryRaw<Array<{ id: string; state: string }>>`
        WITH stranded AS (
          SELECT a."id", a."state" FROM "Agent" a
          WHERE (a."state" = 'reserved' AND NOT EXISTS (SELECT 1 FROM "Reservation" r WHERE r."agentId" = a."id" AND r."status" = 'pending'))
             OR (a."state" = 'busy' AND NOT EXISTS (SELECT 1 FROM "QueueEntry" q WHERE q."agentId" = a."id" AND q."status" = 'assigned'))
          FOR UPDATE
        ), u AS (
          UPDATE "Agent" SET "state" = CASE WHEN stranded."state" = 'busy' THEN 'wrap_up' ELSE 'available' END,
                             "activeCount" = 0, "stateSince" = ${at}::timestamp, "updatedAt" = ${at}::timestamp,
                             "wrapUpUntil" = CASE WHEN stranded."state" = 'busy' THEN ${at}::timestamp + make_interval(secs => "Agent"."wrapUpSeconds") ELSE NULL END
          FROM stranded WHERE "Agent"."id" = stranded."id"
          RETURNING "Agent"."id", "Agent"."state"
        ), e AS (
          INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "reason", "source", "at")
          SELECT gen_random_uuid()::text, u."id", u."state", 'no call', 'reconcile', ${at}::timestamp FROM u
        )
        SELECT "id", "state" FROM u`;
      return { endedCalls: ended.map((r) => r.callId), freedAgents: freed.map((r) => ({ agentId: r.id, state: r.state })) };
    },

    async toCallback(callId, number) {
      const updated = await db.queueEntry.updateMany({ where: { callId, status: 'waiting', kind: 'call' }, data: { kind: 'callback', callbackNumber: number } });
      if (updated.count !== 1) return undefined;
      const row = await db.queueEntry.findUnique({ where: { callId } });
      return row ? toEntry(row) : undefined;
    },

    async finishWrapUps(now) {
      const due = await db.agent.findMany({ where: { state: 'wrap_up', wrapUpUntil: { lte: now } }, select: { id: true } });
      const done: string[] = [];
      for (const { id } of due) {
        const u = await db.agent.updateMany({ where: { id, state: 'wrap_up' }, data: { state: 'available', stateSince: now, idleSince: now, wrapUpUntil: null } });
        if (u.count === 1) {
          await db.agentStateEvent.create({ data: { agentId: id, state: 'available', reason: 'wrap-up over', source: 'routing', at: now } });
          done.push(id);
        }
      }
      return done;
    },

    async lastAgent(customerId) {
      const row = await db.queueEntry.findFirst({ where: { customerId, outcome: 'assigned' }, orderBy: { assignedAt: 'desc' }, select: { agentId: true, assignedAt: true } });
      return row?.agentId && row.assignedAt ? { agentId: row.agentId, at: row.assignedAt } : undefined;
    },

    async queueStats() {
      const rows = await db.$queryRaw<Array<{ queue: string; depth: number; oldest: Date | null }>>`
        SELECT q."queue", COUNT(e."id")::int AS "depth", MIN(e."enqueuedAt") AS "oldest"
        FROM (SELECT "name" AS "queue" FROM "RoutingQueue"
              UNION SELECT DISTINCT "queue" FROM "QueueEntry" WHERE "status" IN ('waiting', 'offered')) q
        LEFT JOIN "QueueEntry" e ON e."queue" = q."queue" AND e."status" IN ('waiting', 'offered')
        GROUP BY q."queue" ORDER BY q."queue"`;
      return rows.map((r) => ({ queue: r.queue, depth: Number(r.depth), oldestEnqueuedAt: r.oldest }));
    },

    async position(entry) {
      const ahead = await db.queueEntry.count({
        where: {
          status: { in: ['waiting', 'offered'] },
          queue: entry.queue,
          OR: [{ priority: { gt: entry.priority } }, { priority: entry.priority, enqueuedAt: { lt: entry.enqueuedAt } }],
        },
      });
      return ahead + 1;
    },
  };
}
