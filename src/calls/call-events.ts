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
  return {
    async record(e) {
      await db.$executeRaw(
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
    },
  };
}
