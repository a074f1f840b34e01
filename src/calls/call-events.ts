import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';

/**
 * The call's record of what happened to it (pop sent, pop delivered, accepted, …), the only
 * writer of `CallEvent`. Every event has a key unique per call, so a repeat (a retried write,
 * a second ack) stores nothing: insert-or-nothing, never an upsert (an upsert with nothing
 * to update is a transaction of four statements).
 */
export interface CallEventStore {
  record(event: { callId: string; key: string; type: string; at: Date; data: Record<string, string> }): Promise<void>;
  /** As `record`, saying whether this call stored it (false: the key was there already). */
  add(event: { callId: string; key: string; type: string; at: Date; data: Record<string, string> }): Promise<boolean>;
  /** The call's event under `key`, if recorded. */
  find(callId: string, key: string): Promise<{ type: string; at: Date; data: Record<string, string> } | undefined>;
  /** Every event of the call whose key starts with `prefix`, oldest first. */
  list(callId: string, prefix: string): Promise<Array<{ key: string; type: string; at: Date; data: Record<string, string> }>>;
}

/**
 * Body of a statement or CTE that records an event for each row of `from` where `when` holds,
 * with `callId`, `key` and `data` as expressions over those rows: for statements that must
 * record the event in the same commit as another table's write (the offer's pop_sent, the
 * pop's ack).
 */
export function insertCallEventSql(e: { callId: Prisma.Sql; key: Prisma.Sql; type: string; at: string; data: Prisma.Sql; from: Prisma.Sql; when: Prisma.Sql }): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "CallEvent" ("id", "callId", "key", "type", "at", "data")
    SELECT gen_random_uuid()::text, ${e.callId}, ${e.key}, ${e.type}, ${e.at}::timestamp, ${e.data}
    FROM ${e.from} WHERE ${e.when}
    ON CONFLICT ("callId", "key") DO NOTHING`;
}

export function createCallEventStore(db: Db): CallEventStore {
  const store: CallEventStore = {
    async record(e) {
      await store.add(e);
    },
    async add(e) {
      const inserted = await db.$executeRaw(
        insertCallEventSql({
          callId: Prisma.sql`${e.callId}`,
          key: Prisma.sql`${e.key}`,
          type: e.type,
          at: sqlTime(e.at),
          data: Prisma.sql`${JSON.stringify(e.data)}::jsonb`,
          from: Prisma.sql`(SELECT 1) one`,
          when: Prisma.sql`true`,
        }),
      );
      return inserted > 0;
    },
    async find(callId, key) {
      const row = await db.callEvent.findUnique({ where: { callId_key: { callId, key } }, select: { type: true, at: true, data: true } });
      return row ? { type: row.type, at: row.at, data: row.data as Record<string, string> } : undefined;
    },
    async list(callId, prefix) {
      const rows = await db.callEvent.findMany({ where: { callId, key: { startsWith: prefix } }, orderBy: [{ at: 'asc' }, { key: 'asc' }], select: { key: true, type: true, at: true, data: true } });
      return rows.map((r) => ({ key: r.key, type: r.type, at: r.at, data: r.data as Record<string, string> }));
    },
  };
  return store;
}

/** What an event about an erased customer's call keeps: who handled it and where, never what was said or noted. */
const ANONYMOUS_EVENT_FIELDS = ['agentId', 'reservationId', 'queue', 'disposition', 'resolved', 'mode', 'wrapUpStartedAt', 'wrapUpEndedAt'];

/**
 * The events' part of an erasure, inside its transaction: the events of the customer's
 * calls stay (the KPIs count offers, answers, transfers) with only the anonymous fields of
 * their data. Returns how many events were about the customer's calls.
 */
export async function eraseCallEvents(tx: Prisma.TransactionClient, callIds: string[]): Promise<number> {
  if (callIds.length === 0) return 0;
  const kept = Prisma.join(ANONYMOUS_EVENT_FIELDS.map((f) => Prisma.sql`${f}::text, "data"->${f}::text`));
  return tx.$executeRaw`UPDATE "CallEvent" SET "data" = jsonb_strip_nulls(jsonb_build_object(${kept})) WHERE "callId" = ANY(${callIds}::text[])`;
}

/** Retention: removes up to `limit` events older than `before`, oldest first; returns how many. */
export async function removeCallEventsBefore(db: Db, before: Date, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "CallEvent" WHERE "id" = ANY(ARRAY(
      SELECT "id" FROM "CallEvent" WHERE "at" < ${sqlTime(before)}::timestamp ORDER BY "at" LIMIT ${limit} FOR UPDATE SKIP LOCKED))`;
}
