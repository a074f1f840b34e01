import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { CallDetails, NewInteraction, TChannel, TimelineItem } from './schemas.js';

type Row = Prisma.InteractionGetPayload<object>;

export interface StoredInteraction extends TimelineItem {
  customerId: string | null;
  idempotencyKey: string;
}

function toItem(row: Row, call?: CallDetails): StoredInteraction {
  return {
    id: row.id,
    customerId: row.customerId,
    idempotencyKey: row.idempotencyKey,
    channel: row.channel as TChannel,
    type: row.type,
    status: row.status,
    at: row.at.toISOString(),
    summary: row.summary,
    sentiment: row.sentimentLabel,
    ...(row.callId ? { callId: row.callId } : {}),
    ...(call ? { providerCallId: call.providerCallId, call } : {}),
  };
}

export interface InteractionRepo {
  /** Inserts once per idempotency key; a repeat returns the stored entry and `created: false`. */
  record(entry: NewInteraction): Promise<{ item: StoredInteraction; created: boolean }>;
  page(customerId: string, q: { cursor?: string; channel?: TChannel; limit: number }): Promise<{ items: TimelineItem[]; nextCursor: string | null }>;
  /** The newest entry of a customer, for "last interaction" decisions in the IVR. */
  latest(customerId: string): Promise<StoredInteraction | undefined>;
}

/** The timeline's reads and writes, on the client or inside a caller's transaction. */
export function createInteractionRepo(db: Db | Prisma.TransactionClient): InteractionRepo {
  async function byKey(key: string): Promise<StoredInteraction | undefined> {
    const row = await db.interaction.findUnique({ where: { idempotencyKey: key } });
    return row ? toItem(row) : undefined;
  }

  async function callDetails(callIds: string[]): Promise<Map<string, CallDetails>> {
    if (callIds.length === 0) return new Map();
    const [calls, events] = await Promise.all([
      db.call.findMany({ where: { id: { in: callIds } }, include: { steps: { orderBy: { seq: 'asc' } } } }),
      db.callEvent.findMany({ where: { callId: { in: callIds } }, orderBy: { at: 'asc' } }),
    ]);
    return new Map(
      calls.map((c) => [
        c.id,
        {
          provider: c.provider,
          providerCallId: c.providerCallId,
          status: c.status,
          language: c.language,
          queue: c.queue,
          intent: c.intent,
          path: ((c.session as { path?: string[] }).path ?? []).slice(),
          durationSeconds: c.durationSeconds,
          endStatus: c.endStatus,
          steps: c.steps.map((s) => ({ seq: s.seq, nodeId: s.nodeId, input: s.input, result: s.result, at: s.createdAt.toISOString() })),
          // After the IVR: pop sent to an agent, delivered to their softphone, accepted.
          events: events.filter((e) => e.callId === c.id).map((e) => ({ type: e.type, at: e.at.toISOString(), ...(e.data as Record<string, string>) })),
        },
      ]),
    );
  }

  return {
    async record(e) {
      // Insert first: a repeat is the rare case, and the unique key settles it.
      try {
        const row = await db.interaction.create({
          data: {
            idempotencyKey: e.idempotencyKey,
            customerId: e.customerId,
            phoneE164: e.phoneE164,
            channel: e.channel,
            type: e.type,
            status: e.status ?? null,
            at: e.at,
            summary: e.summary,
            text: e.text ?? null,
            callId: e.callId ?? null,
            sentimentLabel: e.sentiment?.label ?? null,
            sentimentScore: e.sentiment?.score ?? null,
          },
        });
        return { item: toItem(row), created: true };
      } catch (err) {
        // Delivered before (or by a racing request): answer with what is stored.
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
          const stored = await byKey(e.idempotencyKey);
          if (stored) return { item: stored, created: false };
        }
        throw err;
      }
    },

    async page(customerId, q) {
      const after = q.cursor ? decodeCursor(q.cursor) : undefined;
      const rows = await db.interaction.findMany({
        where: {
          customerId,
          ...(q.channel ? { channel: q.channel } : {}),
          ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: q.limit + 1,
      });
      const pageRows = rows.slice(0, q.limit);
      const calls = await callDetails(pageRows.flatMap((r) => (r.callId ? [r.callId] : [])));
      const last = pageRows[pageRows.length - 1];
      return {
        items: pageRows.map((r) => {
          const { customerId: _c, idempotencyKey: _k, ...item } = toItem(r, r.callId ? calls.get(r.callId) : undefined);
          return item;
        }),
        nextCursor: rows.length > q.limit && last ? encodeCursor(last.at, last.id) : null,
      };
    },

    async latest(customerId) {
      const row = await db.interaction.findFirst({ where: { customerId }, orderBy: [{ at: 'desc' }, { id: 'desc' }] });
      return row ? toItem(row) : undefined;
    },
  };
}

/**
 * The timeline's part of an erasure, inside its transaction: the customer's entries, and
 * those logged under one of their numbers while they were unknown, keep only the anonymous
 * fact (channel, type, status, time, call, sentiment) — no link to the person, no summary,
 * text or details, and a key that no longer names a provider's or client's id.
 */
export async function eraseInteractions(tx: Prisma.TransactionClient, s: { customerId: string; phones: string[]; at: Date }): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Interaction" SET "customerId" = NULL, "phoneE164" = NULL, "summary" = '', "text" = NULL, "details" = NULL,
                             "idempotencyKey" = 'erased:' || "id", "updatedAt" = ${sqlTime(s.at)}::timestamp
    WHERE "customerId" = ${s.customerId} OR ("customerId" IS NULL AND "phoneE164" = ANY(${s.phones}::text[]))`;
}

/** Where a retention pass over the timeline got to (oldest first). */
export interface TimelineMark {
  at: Date;
  id: string;
}

/**
 * Retention: clears the full text of up to `limit` entries older than `before`, walking
 * from `after` (the previous batch's last entry) so no batch reads the entries already
 * done. Summaries stay. Returns how many texts were cleared and where the batch ended
 * (undefined: nothing older is left).
 */
export async function clearInteractionTextsBefore(db: Db, before: Date, after: TimelineMark | undefined, limit: number): Promise<{ cleared: number; last?: TimelineMark }> {
  const from = after ? Prisma.sql`AND ("at", "id") > (${sqlTime(after.at)}::timestamp, ${after.id})` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<{ cleared: number; lastAt: Date | null; lastId: string | null }>>`
    WITH b AS (
      SELECT "id", "at" FROM "Interaction" WHERE "at" < ${sqlTime(before)}::timestamp ${from} ORDER BY "at", "id" LIMIT ${limit}
    ), u AS (
      UPDATE "Interaction" i SET "text" = NULL FROM b WHERE i."id" = b."id" AND i."text" IS NOT NULL RETURNING 1
    ), l AS (SELECT "at", "id" FROM b ORDER BY "at" DESC, "id" DESC LIMIT 1)
    SELECT (SELECT count(*) FROM u)::int AS "cleared", (SELECT "at" FROM l) AS "lastAt", (SELECT "id" FROM l) AS "lastId"`;
  return { cleared: Number(row?.cleared ?? 0), ...(row?.lastAt && row.lastId ? { last: { at: new Date(row.lastAt), id: row.lastId } } : {}) };
}
