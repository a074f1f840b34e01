import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';

export type AccessResource = 'profile' | 'timeline' | 'export' | 'consents' | 'pop';

/** One read of a customer's data (or a refused attempt). */
export interface AccessEntry {
  at: Date;
  actor: string;
  role: string;
  customerId: string;
  resource: AccessResource;
  /** `GET /api/customers/:id`, `screen_pop`, … */
  endpoint: string;
  /** The agent a system read was made for (the screen pop's offered agent). */
  onBehalfOf?: string;
  outcome: 'allowed' | 'refused';
}

export interface AccessLogPage {
  items: Array<Omit<AccessEntry, 'at' | 'onBehalfOf'> & { at: string; onBehalfOf: string | null }>;
  nextCursor: { at: Date; seq: number } | null;
}

export interface AccessLogStore {
  insertMany(entries: readonly AccessEntry[]): Promise<void>;
  /** Newest first, strictly after `after` (the previous page's last entry). */
  page(q: { customerId?: string; actor?: string; after?: { at: Date; seq: number }; limit: number }): Promise<AccessLogPage>;
  /** Removes up to `limit` entries older than `before`; returns how many. */
  removeOlderThan(before: Date, limit: number): Promise<number>;
}

/** The only writer of `AccessLogEntry`. */
export function createAccessLogStore(db: Db): AccessLogStore {
  return {
    async insertMany(entries) {
      if (entries.length === 0) return;
      // One statement per batch, in the order the reads happened (seq breaks ties on `at`).
      const values = entries.map(
        (e) => Prisma.sql`(gen_random_uuid()::text, ${sqlTime(e.at)}::timestamp, ${e.actor}, ${e.role}, ${e.customerId}, ${e.resource}, ${e.endpoint}, ${e.onBehalfOf ?? null}, ${e.outcome})`,
      );
      await db.$executeRaw`
        INSERT INTO "AccessLogEntry" ("id", "at", "actor", "role", "customerId", "resource", "endpoint", "onBehalfOf", "outcome")
        VALUES ${Prisma.join(values)}`;
    },

    async page(q) {
      const rows = await db.accessLogEntry.findMany({
        where: {
          ...(q.customerId ? { customerId: q.customerId } : {}),
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.after ? { OR: [{ at: { lt: q.after.at } }, { at: q.after.at, seq: { lt: q.after.seq } }] } : {}),
        },
        orderBy: [{ at: 'desc' }, { seq: 'desc' }],
        take: q.limit + 1,
      });
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => ({
          at: r.at.toISOString(),
          actor: r.actor,
          role: r.role,
          customerId: r.customerId,
          resource: r.resource as AccessResource,
          endpoint: r.endpoint,
          onBehalfOf: r.onBehalfOf,
          outcome: r.outcome as AccessEntry['outcome'],
        })),
        nextCursor: rows.length > q.limit && last ? { at: last.at, seq: last.seq } : null,
      };
    },

    async removeOlderThan(before, limit) {
      return db.$executeRaw`
        DELETE FROM "AccessLogEntry" WHERE "id" = ANY(ARRAY(
          SELECT "id" FROM "AccessLogEntry" WHERE "at" < ${sqlTime(before)}::timestamp ORDER BY "at" LIMIT ${limit} FOR UPDATE SKIP LOCKED))`;
    },
  };
}
