import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import type { AgentMessage } from '../realtime/agent-messages.js';
import { Prisma } from '../generated/prisma/client.js';
import { insertCallEventSql } from '../calls/call-events.js';
import { agentStateInTx, type AgentPresence } from './agent-state-store.js';
import { offerMade, offerStatement, type NewOffer, type OfferQueueSql } from './make-offer.js';

export interface QueueEntryRecord {
  id: string;
  callId: string;
  customerId: string | null;
  language: string;
  kind: 'call' | 'callback';
  queue: string;
  priority: number;
  enqueuedAt: Date;
  /** transferring: the agent's transfer is moving the caller (the provider is being told); nobody else may touch the call meanwhile. */
  status: 'waiting' | 'offered' | 'assigned' | 'transferring' | 'done';
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
const ENTRY_FIELDS = ['id', 'callId', 'customerId', 'language', 'kind', 'queue', 'priority', 'enqueuedAt', 'status', 'ruleVersion', 'rule', 'decision', 'context',
  'stepIndex', 'excludedAgents', 'callbackNumber', 'outcome', 'agentId', 'assignedAt', 'updatedAt'];
const ENTRY_COLUMNS = Prisma.raw(ENTRY_FIELDS.map((f) => `"${f}"`).join(', '));
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

/**
 * The locked entry is still held for this transfer: `transferring` with the first agent, and,
 * when a held transfer is being settled, still the hold that was read (`since`), so that of two
 * nodes settling it only the first writes, and a later transfer of the call is never taken for it.
 */
function held(entry: EntryRow | undefined, t: { fromAgentId: string; since?: Date }): entry is EntryRow {
  return entry?.status === 'transferring' && entry.agentId === t.fromAgentId && (!t.since || entry.updatedAt.getTime() === t.since.getTime());
}

/** The first agent leaves the call (to wrap-up) and the transfer goes on the call's record, in the transfer's commit. */
async function transferredAway(tx: Tx, t: { callId: string; fromAgentId: string; now: Date; event: { key: string; data: Record<string, string> } }): Promise<void> {
  await agentStateInTx.transferredAway(tx, t.fromAgentId, t.now);
  await tx.$executeRaw(
    insertCallEventSql({
      callId: Prisma.sql`${t.callId}`,
      key: Prisma.sql`${t.event.key}`,
      type: 'transfer',
      at: sqlTime(t.now),
      data: Prisma.sql`${JSON.stringify(t.event.data)}::jsonb`,
      from: Prisma.sql`(SELECT 1) one`,
      when: Prisma.sql`true`,
    }),
  );
}

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

/**
 * The queue and its offers: the only writer of `QueueEntry` and `Reservation`. Every state
 * change is a conditional UPDATE (… WHERE status = 'waiting'), which PostgreSQL applies one
 * at a time per row: of two nodes offering one agent or one call, exactly one sees a row
 * count of 1. The agent's side of each change is the agent-state store's, called inside the
 * same transaction (or, for the offer, composed into the same statement: make-offer.ts).
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
   * `providerCallId` is the waiting call's (null for a callback, whose caller is called anew).
   */
  accept(
    reservationId: string,
    agentId: string,
    now: Date,
  ): Promise<
    | { entry: QueueEntryRecord; reservation: ReservationRecord; agent: AgentPresence; providerCallId: string | null; transferFrom?: { agentId: string; legId: string } }
    | { callerGone: string }
    | undefined
  >;
  /** What a lost write or a crash can leave behind: calls in line (or with an agent) that have ended. */
  endedInLine(limit: number): Promise<string[]>;
  /** Ends a pending offer (rejected, timed out, cancelled or failed) and puts the entry back in line. */
  release(reservationId: string, status: 'rejected' | 'timeout' | 'cancelled', now: Date, opts: { awayAfterMisses?: number }): Promise<{ reservation: ReservationRecord; agent: AgentPresence } | undefined>;
  /** A bridge to the agent failed after accept: undo the assignment so the call is offered again. */
  unassign(entryId: string, agentId: string, now: Date): Promise<void>;
  expired(now: Date, limit: number): Promise<ReservationRecord[]>;
  /**
   * The caller hung up: a waiting call is abandoned once; an assigned one frees its agent into
   * wrap-up, and so does a transfer under way (a warm hand-over's target too, who had accepted it).
   */
  callEnded(callId: string, now: Date, opts?: { callbackLeg?: boolean }): Promise<{ entry: QueueEntryRecord; cancelled: ReservationRecord[]; wrapUpAgents: string[] } | undefined>;
  /** The caller left a number: the entry keeps its place in line as a callback. */
  toCallback(callId: string, number: string): Promise<QueueEntryRecord | undefined>;
  position(entry: QueueEntryRecord): Promise<number>;
  /**
   * A cold transfer starts: the call, assigned to `fromAgentId` with no other transfer under
   * way, is held as `transferring` while the provider moves the caller, with the transfer
   * written down (`TransferIntent`) so that any node can finish or undo it. Undefined when it is
   * not (any more) that agent's connected call. `legId` is the reservation that made the agent's leg.
   */
  beginTransfer(callId: string, fromAgentId: string, now: Date, transfer: TransferContext): Promise<{ entry: QueueEntryRecord; legId: string; providerCallId: string } | undefined>;
  /**
   * The provider did not move the caller: the call is the agent's again, as before. False
   * when the transfer was not under way any more (the caller hung up, or `since` is stale:
   * another node settled it).
   */
  abortTransfer(callId: string, fromAgentId: string, now: Date, since?: Date): Promise<boolean>;
  /**
   * A cold transfer is done: the caller waits in line again (for `target`, the first agent
   * excluded), the first agent goes to wrap-up, and the call's record shows the transfer —
   * in one commit. Undefined when the transfer was not under way (nothing is written).
   */
  finishColdTransfer(t: ColdTransfer): Promise<QueueEntryRecord | undefined>;
  /**
   * A warm transfer's offer: the caller stays with `fromAgentId` (the entry stays assigned to
   * them) while `offer.agentId` is offered the call, with `transfer` in the entry's routing
   * context, in the one statement every offer is made with. Undefined when the call is not
   * that agent's connected call, a transfer is under way, or the target is not free.
   */
  reserveTransfer(offer: NewOffer, fromAgentId: string, transfer: TransferContext): Promise<(ReservationRecord & { message?: AgentMessage }) | undefined>;
  /** The warm transfer's target is connected: the call is theirs, the first agent in wrap-up, the transfer on record — one commit. */
  finishWarmTransfer(t: { callId: string; fromAgentId: string; toAgentId: string; now: Date; event: { key: string; data: Record<string, string> }; since?: Date }): Promise<QueueEntryRecord | undefined>;
  /**
   * The provider did not move the caller to the warm transfer's target: the call is the first
   * agent's again, the target free. False when the hand-over was not under way any more.
   */
  abortWarmTransfer(t: { callId: string; fromAgentId: string; toAgentId: string; reservationId: string; now: Date; since?: Date }): Promise<boolean>;
  /**
   * Transfers held (`transferring`) since `before` or earlier: what a node that died while the
   * provider moved the caller leaves behind. `since` is the hold's time (the row's `updatedAt`):
   * each settling write above takes it, so of two nodes settling one transfer only one writes.
   */
  stuckTransfers(before: Date, limit: number): Promise<StuckTransfer[]>;
  /** The call's line status and the reservation that made its current agent's leg (undefined: nobody's leg is current). */
  currentLeg(callId: string): Promise<{ status: QueueEntryRecord['status']; legId: string | undefined } | undefined>;
  /** Who last took a call of this customer, and when. */
  lastAgent(customerId: string): Promise<{ agentId: string; at: Date } | undefined>;
  /** Callers not yet with an agent, per queue (every registered queue, empty ones too): read-only, for metrics and the queue list. */
  queueStats(): Promise<QueueStat[]>;
}

/** What follows a transferred call to the next agent's pop (`transfer` in the pop), kept in the entry's routing context. */
export interface TransferContext {
  from: string;
  mode: 'cold' | 'warm';
  note?: string;
  to: { queue: string } | { agentId: string };
  by: string;
  at: string;
}

export interface ColdTransfer {
  callId: string;
  fromAgentId: string;
  legId: string;
  queue: string;
  priority: number;
  decision: unknown;
  transfer: TransferContext;
  now: Date;
  /** The call's record of the transfer (a `transfer` call event), written in the same commit. */
  event: { key: string; data: Record<string, string> };
  /** Settling a held transfer: the hold's time as read (see `stuckTransfers`). */
  since?: Date;
}

/**
 * A transfer being carried out, kept in the held entry's routing context (`transferring`) so
 * that whichever node finds it held can finish or undo it. Cold: the first agent's leg and the
 * transfer (the note included: personal data, stripped by an erasure). Warm: the first agent's
 * leg, and the target who accepted with their reservation (the transfer itself is `transfer`).
 */
export type TransferIntent = { mode: 'cold'; legId: string; transfer: TransferContext } | { mode: 'warm'; legId: string; toAgentId: string; reservationId: string };

export interface StuckTransfer {
  entry: QueueEntryRecord;
  intent: TransferIntent | undefined;
  since: Date;
  providerCallId: string;
  /** Our record of the call has its end (the sweep of ended calls closes these). */
  ended: boolean;
}

/** The entry's routing context without the transfer under way. */
const withoutIntent = Prisma.sql`"context" - 'transferring'`;
const intentOf = (context: unknown): TransferIntent | undefined => (context as { transferring?: TransferIntent } | null)?.transferring ?? undefined;

/** A queue's callers not yet with an agent (waiting or being offered), and since when the first of them waits. */
export interface QueueStat {
  queue: string;
  depth: number;
  oldestEnqueuedAt: Date | null;
  /** The registered queue's names per language; undefined for a queue calls wait in without being registered. */
  displayName?: unknown;
}

/** The queue's parts of the one-statement offer (see make-offer.ts). */
const offerQueueSql: OfferQueueSql = {
  lockWaiting(entryId) {
    // Locked by its key alone (OFFSET 0 keeps the status test out of that scan).
    return Prisma.sql`
      SELECT "id" FROM (SELECT "id", "status", "callId", "kind" FROM "QueueEntry" WHERE "id" = ${entryId} OFFSET 0 FOR UPDATE) locked
      -- A caller who hung up is never offered (a callback's caller has hung up by design).
      WHERE "status" = 'waiting'
        AND ("kind" = 'callback' OR NOT EXISTS (SELECT 1 FROM "Call" WHERE "Call"."id" = locked."callId" AND "Call"."endedAt" IS NOT NULL))`;
  },
  markOffered(locked, gate, at) {
    return Prisma.sql`
      UPDATE "QueueEntry" SET "status" = 'offered', "updatedAt" = ${at}::timestamp
      FROM ${Prisma.raw(gate)} WHERE "QueueEntry"."id" = (SELECT "id" FROM ${Prisma.raw(locked)}) RETURNING "QueueEntry"."id", "QueueEntry"."callId"`;
  },
  insertReservation(offer, entry, agent, at) {
    const [e, a] = [Prisma.raw(entry), Prisma.raw(agent)];
    return Prisma.sql`
      INSERT INTO "Reservation" ("id", "entryId", "agentId", "status", "createdAt", "expiresAt")
      SELECT ${offer.id}, ${e}."id", ${a}."id", 'pending', ${at}::timestamp, ${sqlTime(offer.expiresAt)}::timestamp FROM ${e}, ${a}
      RETURNING "id"`;
  },
};

/**
 * The queue's parts of a warm transfer's offer: the entry must be assigned to the transferring
 * agent, its caller still there and no other transfer offer open; it stays assigned (the caller
 * stays with them) and carries the transfer in its routing context for the pop.
 */
function transferQueueSql(fromAgentId: string, transfer: TransferContext): OfferQueueSql {
  return {
    lockWaiting(entryId) {
      return Prisma.sql`
        SELECT "id" FROM (SELECT "id", "status", "callId", "kind", "agentId" FROM "QueueEntry" WHERE "id" = ${entryId} OFFSET 0 FOR UPDATE) locked
        WHERE "status" = 'assigned' AND "kind" = 'call' AND "agentId" = ${fromAgentId}
          AND NOT EXISTS (SELECT 1 FROM "Call" WHERE "Call"."id" = locked."callId" AND "Call"."endedAt" IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM "Reservation" r WHERE r."entryId" = locked."id" AND r."status" = 'pending')`;
    },
    markOffered(locked, gate, at) {
      return Prisma.sql`
        UPDATE "QueueEntry" SET "context" = jsonb_set("context", '{transfer}', ${JSON.stringify(transfer)}::jsonb), "updatedAt" = ${at}::timestamp
        FROM ${Prisma.raw(gate)} WHERE "QueueEntry"."id" = (SELECT "id" FROM ${Prisma.raw(locked)}) RETURNING "QueueEntry"."id", "QueueEntry"."callId"`;
    },
    insertReservation: offerQueueSql.insertReservation,
  };
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
      // One statement, one round trip: see make-offer.ts.
      return offerMade(offer, await db.$queryRaw<Array<{ seq: number | null; messageId: string | null }>>(offerStatement(offer, offerQueueSql)));
    },

    async accept(reservationId, agentId, now) {
      try {
        return await db.$transaction(async (tx) => {
          const target = await tx.reservation.findUnique({ where: { id: reservationId } });
          if (!target) throw new Lost();
          const locked = await lockEntry(tx, { id: target.entryId });
          if (!locked) throw new Lost();
          const call = locked.kind === 'call' ? await tx.call.findUnique({ where: { id: locked.callId }, select: { endedAt: true, providerCallId: true } }) : null;
          if (call?.endedAt && target.status === 'pending' && target.agentId === agentId) return { callerGone: locked.callId };
          const r = await tx.reservation.updateMany({
            where: { id: reservationId, agentId, status: 'pending', expiresAt: { gt: now } },
            data: { status: 'accepted', respondedAt: now },
          });
          if (r.count !== 1) throw new Lost();
          if (locked.status === 'assigned' && locked.agentId && locked.agentId !== agentId) {
            // A warm transfer's target accepts: the caller is still with the first agent until the
            // provider moves them; held meanwhile, so the first agent's leg ending is not the call's end.
            const leg = await tx.reservation.findFirst({ where: { entryId: locked.id, agentId: locked.agentId, status: 'accepted' }, orderBy: { respondedAt: 'desc' }, select: { id: true } });
            const intent: TransferIntent = { mode: 'warm', legId: leg?.id ?? '', toAgentId: agentId, reservationId };
            const [held] = await tx.$queryRaw<EntryRow[]>`
              UPDATE "QueueEntry" SET "status" = 'transferring', "updatedAt" = ${sqlTime(now)}::timestamp,
                "context" = jsonb_set("context", '{transferring}', ${JSON.stringify(intent)}::jsonb)
              WHERE "id" = ${locked.id} RETURNING ${ENTRY_COLUMNS}`;
            const agent = await agentStateInTx.accept(tx, agentId, now);
            if (!agent) throw new Lost();
            return {
              entry: toEntry(held!),
              reservation: toReservation({ ...target, status: 'accepted', respondedAt: now }),
              agent,
              providerCallId: call?.providerCallId ?? null,
              transferFrom: { agentId: locked.agentId, legId: leg?.id ?? '' },
            };
          }
          // A transferred call keeps its first answer (the KPIs' answer; later accepts are legs).
          const entry = await tx.queueEntry.update({ where: { id: target.entryId }, data: { status: 'assigned', outcome: 'assigned', agentId, assignedAt: locked.assignedAt ?? now } });
          const agent = await agentStateInTx.accept(tx, agentId, now);
          if (!agent) throw new Lost();
          return { entry: toEntry(entry), reservation: toReservation({ ...target, status: 'accepted', respondedAt: now }), agent, providerCallId: call?.providerCallId ?? null };
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
          const agent = await agentStateInTx.offerEnded(tx, reservation.agentId, status, now, opts.awayAfterMisses ?? 2);
          return { reservation: toReservation(reservation), agent };
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
        await agentStateInTx.bridgeFailed(tx, agentId, now);
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
        if (entry.status === 'assigned' || entry.status === 'transferring') {
          const agentId = entry.agentId!;
          const done = await tx.queueEntry.updateMany({ where: { id: entry.id, status: entry.status }, data: { status: 'done' } });
          if (done.count !== 1) return undefined;
          await agentStateInTx.callEnded(tx, agentId, now);
          // A warm hand-over under way: its target had accepted the call, which is over for them too.
          const intent = entry.status === 'transferring' ? intentOf(entry.context) : undefined;
          const target = intent?.mode === 'warm' && intent.toAgentId !== agentId ? intent.toAgentId : undefined;
          if (target) await agentStateInTx.callEnded(tx, target, now);
          // A warm transfer's offer still open: withdrawn, its agent free again.
          const open = await tx.reservation.findMany({ where: { entryId: entry.id, status: 'pending' } });
          for (const r of open) {
            await tx.reservation.update({ where: { id: r.id }, data: { status: 'cancelled', respondedAt: now } });
            await agentStateInTx.callerHungUp(tx, r.agentId, now);
          }
          return { entry: toEntry({ ...entry, status: 'done' }), cancelled: open.map((r) => toReservation({ ...r, status: 'cancelled' })), wrapUpAgents: target ? [agentId, target] : [agentId] };
        }
        // A transferred caller who leaves before the next agent was answered by the first one.
        const outcome = entry.assignedAt ? entry.outcome : 'abandoned';
        const done = await tx.queueEntry.updateMany({ where: { id: entry.id, status: { in: ['waiting', 'offered'] } }, data: { status: 'done', outcome } });
        if (done.count !== 1) return undefined;
        const pending = await tx.reservation.findMany({ where: { entryId: entry.id, status: 'pending' } });
        for (const r of pending) {
          await tx.reservation.update({ where: { id: r.id }, data: { status: 'cancelled', respondedAt: now } });
          await agentStateInTx.callerHungUp(tx, r.agentId, now);
        }
        return { entry: toEntry({ ...entry, status: 'done', outcome }), cancelled: pending.map((r) => toReservation({ ...r, status: 'cancelled' })), wrapUpAgents: [] };
      });
    },

    async endedInLine(limit) {
      const ended = await db.$queryRaw<Array<{ callId: string }>>`
        SELECT q."callId" FROM "QueueEntry" q JOIN "Call" c ON c."id" = q."callId"
        WHERE q."status" IN ('waiting', 'offered', 'assigned', 'transferring') AND q."kind" = 'call' AND c."endedAt" IS NOT NULL LIMIT ${limit}`;
      return ended.map((r) => r.callId);
    },

    async toCallback(callId, number) {
      const updated = await db.queueEntry.updateMany({ where: { callId, status: 'waiting', kind: 'call' }, data: { kind: 'callback', callbackNumber: number } });
      if (updated.count !== 1) return undefined;
      const row = await db.queueEntry.findUnique({ where: { callId } });
      return row ? toEntry(row) : undefined;
    },

    async beginTransfer(callId, fromAgentId, now, transfer) {
      try {
        return await db.$transaction(async (tx) => {
          const entry = await lockEntry(tx, { callId });
          if (!entry || entry.status !== 'assigned' || entry.kind !== 'call' || entry.agentId !== fromAgentId) throw new Lost();
          const call = await tx.call.findUnique({ where: { id: callId }, select: { endedAt: true, providerCallId: true } });
          if (!call || call.endedAt) throw new Lost();
          // A warm transfer's offer still open is a transfer under way.
          if ((await tx.reservation.count({ where: { entryId: entry.id, status: 'pending' } })) > 0) throw new Lost();
          const leg = await tx.reservation.findFirst({ where: { entryId: entry.id, agentId: fromAgentId, status: 'accepted' }, orderBy: { respondedAt: 'desc' }, select: { id: true } });
          if (!leg) throw new Lost();
          const intent: TransferIntent = { mode: 'cold', legId: leg.id, transfer };
          const [held] = await tx.$queryRaw<EntryRow[]>`
            UPDATE "QueueEntry" SET "status" = 'transferring', "updatedAt" = ${sqlTime(now)}::timestamp,
              "context" = jsonb_set("context", '{transferring}', ${JSON.stringify(intent)}::jsonb)
            WHERE "id" = ${entry.id} RETURNING ${ENTRY_COLUMNS}`;
          return { entry: toEntry(held!), legId: leg.id, providerCallId: call.providerCallId };
        });
      } catch (err) {
        if (err instanceof Lost) return undefined;
        throw err;
      }
    },

    async abortTransfer(callId, fromAgentId, now, since) {
      const undone = await db.$executeRaw`
        UPDATE "QueueEntry" SET "status" = 'assigned', "context" = ${withoutIntent}, "updatedAt" = ${sqlTime(now)}::timestamp
        WHERE "callId" = ${callId} AND "status" = 'transferring' AND "agentId" = ${fromAgentId}
          ${since ? Prisma.sql`AND "updatedAt" = ${sqlTime(since)}::timestamp` : Prisma.empty}`;
      return undone === 1;
    },

    async finishColdTransfer(t) {
      try {
        return await db.$transaction(async (tx) => {
          const entry = await lockEntry(tx, { callId: t.callId });
          if (!held(entry, t)) throw new Lost();
          const context = { ...(entry.context as Record<string, unknown>) };
          delete context.transferring;
          // The first agent keeps their answer on the entry (agentId, assignedAt, outcome) until
          // the next agent takes the call: the contact stays answered if the caller leaves meanwhile.
          const updated = await tx.queueEntry.update({
            where: { id: entry.id },
            data: {
              updatedAt: t.now,
              status: 'waiting',
              queue: t.queue,
              priority: t.priority,
              stepIndex: -1,
              decision: t.decision as Prisma.InputJsonValue,
              rule: 'transfer',
              context: { ...context, transfer: t.transfer } as unknown as Prisma.InputJsonValue,
              excludedAgents: [t.fromAgentId],
            },
          });
          await transferredAway(tx, t);
          return toEntry(updated);
        });
      } catch (err) {
        if (err instanceof Lost) return undefined;
        throw err;
      }
    },

    async reserveTransfer(offer, fromAgentId, transfer) {
      return offerMade(offer, await db.$queryRaw<Array<{ seq: number | null; messageId: string | null }>>(offerStatement(offer, transferQueueSql(fromAgentId, transfer))));
    },

    async finishWarmTransfer(t) {
      try {
        return await db.$transaction(async (tx) => {
          const entry = await lockEntry(tx, { callId: t.callId });
          if (!held(entry, t)) throw new Lost();
          const [updated] = await tx.$queryRaw<EntryRow[]>`
            UPDATE "QueueEntry" SET "status" = 'assigned', "agentId" = ${t.toAgentId}, "context" = ${withoutIntent}, "updatedAt" = ${sqlTime(t.now)}::timestamp
            WHERE "id" = ${entry.id} RETURNING ${ENTRY_COLUMNS}`;
          await transferredAway(tx, t);
          return toEntry(updated!);
        });
      } catch (err) {
        if (err instanceof Lost) return undefined;
        throw err;
      }
    },

    async abortWarmTransfer(t) {
      return db.$transaction(async (tx) => {
        const entry = await lockEntry(tx, { callId: t.callId });
        if (!held(entry, t)) return false;
        await tx.$executeRaw`
          UPDATE "QueueEntry" SET "status" = 'assigned', "context" = ${withoutIntent}, "updatedAt" = ${sqlTime(t.now)}::timestamp WHERE "id" = ${entry.id}`;
        await tx.reservation.updateMany({ where: { id: t.reservationId, status: 'accepted' }, data: { status: 'failed' } });
        await agentStateInTx.bridgeFailed(tx, t.toAgentId, t.now);
        return true;
      });
    },

    async stuckTransfers(before, limit) {
      const rows = await db.$queryRaw<Array<EntryRow & { providerCallId: string; ended: boolean }>>`
        SELECT ${Prisma.raw(ENTRY_FIELDS.map((f) => `q."${f}"`).join(', '))}, c."providerCallId", c."endedAt" IS NOT NULL AS "ended"
        FROM "QueueEntry" q JOIN "Call" c ON c."id" = q."callId"
        WHERE q."status" = 'transferring' AND q."updatedAt" <= ${sqlTime(before)}::timestamp
        ORDER BY q."updatedAt" LIMIT ${limit}`;
      return rows.map(({ providerCallId, ended, ...row }) => ({ entry: toEntry(row), intent: intentOf(row.context), since: row.updatedAt, providerCallId, ended }));
    },

    async currentLeg(callId) {
      const entry = await db.queueEntry.findUnique({ where: { callId }, select: { id: true, status: true, agentId: true } });
      if (!entry) return undefined;
      const status = entry.status as QueueEntryRecord['status'];
      if (status !== 'assigned' || !entry.agentId) return { status, legId: undefined };
      const leg = await db.reservation.findFirst({ where: { entryId: entry.id, agentId: entry.agentId, status: 'accepted' }, orderBy: { respondedAt: 'desc' }, select: { id: true } });
      return { status, legId: leg?.id };
    },

    async lastAgent(customerId) {
      const row = await db.queueEntry.findFirst({ where: { customerId, outcome: 'assigned' }, orderBy: { assignedAt: 'desc' }, select: { agentId: true, assignedAt: true } });
      return row?.agentId && row.assignedAt ? { agentId: row.agentId, at: row.assignedAt } : undefined;
    },

    async queueStats() {
      const rows = await db.$queryRaw<Array<{ queue: string; depth: number; oldest: Date | null; displayName: unknown }>>`
        SELECT q."queue", COUNT(e."id")::int AS "depth", MIN(e."enqueuedAt") AS "oldest", rq."displayName"
        FROM (SELECT "name" AS "queue" FROM "RoutingQueue"
              UNION SELECT DISTINCT "queue" FROM "QueueEntry" WHERE "status" IN ('waiting', 'offered')) q
        LEFT JOIN "RoutingQueue" rq ON rq."name" = q."queue"
        LEFT JOIN "QueueEntry" e ON e."queue" = q."queue" AND e."status" IN ('waiting', 'offered')
        GROUP BY q."queue", rq."displayName" ORDER BY q."queue"`;
      return rows.map((r) => ({
        queue: r.queue,
        depth: Number(r.depth),
        oldestEnqueuedAt: r.oldest,
        ...(r.displayName === null ? {} : { displayName: r.displayName }),
      }));
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

/**
 * The queue's part of an erasure, inside its transaction: entries of the customer or of
 * their calls keep queue, priority and times (waiting and handling times for the KPIs; a
 * call still in line keeps its place) but lose the customer, the callback number, and the
 * caller's number, profile and IVR inputs from the routing context.
 */
export async function eraseQueueEntries(tx: Prisma.TransactionClient, s: { customerId: string; callIds: string[] }): Promise<number> {
  return tx.$executeRaw`
    UPDATE "QueueEntry" SET "customerId" = NULL, "callbackNumber" = NULL,
      "context" = jsonb_build_object(
        'call', jsonb_strip_nulls(jsonb_build_object('language', "context"->'call'->'language', 'queue', "context"->'call'->'queue',
                                                     'waitSeconds', "context"->'call'->'waitSeconds')),
        'customer', '{"known": false}'::jsonb,
        'ivr', jsonb_strip_nulls(jsonb_build_object('path', "context"->'ivr'->'path', 'intent', "context"->'ivr'->'intent')) || '{"inputs": {}}'::jsonb)
        -- A transfer under way stays one any node can settle, without its note.
        || CASE WHEN "context"->'transferring' IS NULL THEN '{}'::jsonb
                ELSE jsonb_build_object('transferring', ("context"->'transferring') #- '{transfer,note}') END,
      "decision" = "decision" - 'preferLastAgent'
    WHERE "customerId" = ${s.customerId} OR "callId" = ANY(${s.callIds}::text[])`;
}

/** Retention: the IVR inputs kept in the routing context of these calls' finished queue entries. */
export async function clearQueueInputs(db: Db, callIds: string[]): Promise<number> {
  if (callIds.length === 0) return 0;
  return db.$executeRaw`
    UPDATE "QueueEntry" SET "context" = jsonb_set("context", '{ivr,inputs}', '{}'::jsonb)
    WHERE "callId" = ANY(${callIds}::text[]) AND "status" = 'done' AND "context"->'ivr'->'inputs' <> '{}'::jsonb`;
}
