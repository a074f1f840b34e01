import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Interval } from './buckets.js';
import { SUM_FIELDS, type KpiSums } from './kpi-definitions.js';

/** All queues or all agents in a rollup row's key. */
export const ALL = '*';

export interface KpiRow {
  queue: string;
  agentId: string;
  bucket: Date;
  sums: KpiSums;
}

/** Which rows a query sums: the contact measures from one key, staffed and occupied time from another (see README). */
export interface KpiSelection {
  contacts: { queue: string; agentId: string };
  occupancy: { queue: string; agentId: string };
}

/** One group of a query: its interval's start as local wall time (`YYYY-MM-DDTHH:MM:SS` in `zone`) and its sums. */
export interface KpiGroup {
  start: string;
  sums: KpiSums;
}

/**
 * The KPI rollup's tables: the only writer of `KpiBucket` and `KpiDirty`. A roll replaces
 * every row of its buckets in one transaction, under an advisory lock, so two nodes rolling
 * at once take turns and a reader sees a bucket before or after, never half of it.
 */
export interface KpiStore {
  /** Replaces the rows of the buckets in [from, to) with `rows`, and clears their dirty marks made before `rolledAt`. */
  replace(from: Date, to: Date, rows: KpiRow[], rolledAt: Date): Promise<void>;
  markDirty(buckets: Date[], at: Date): Promise<void>;
  dirty(limit: number): Promise<Date[]>;
  /** Sums of the selection per interval of [from, to), the interval taken on `zone`'s clock. */
  groups(sel: KpiSelection, from: Date, to: Date, interval: Interval, zone: string): Promise<KpiGroup[]>;
  /** Sums per queue (agents together) of the buckets in [from, to). */
  byQueue(from: Date, to: Date): Promise<Map<string, KpiSums>>;
  /** Whether any bucket holds this queue (a queue calls waited in, registered or not). */
  hasQueue(queue: string): Promise<boolean>;
}

// Any constant: the key of the advisory lock that serialises rolls between nodes.
const ROLL_LOCK = 1_302_013;
const COLUMNS = Prisma.raw(SUM_FIELDS.map((f) => `"${f}"`).join(', '));
const INT_FIELDS = new Set<string>(['offered', 'answered', 'abandoned', 'shortAbandoned', 'slMeasured', 'slAnswered', 'asaCount', 'handled', 'fcrContacts', 'fcrResolved', 'csatCount', 'csatSatisfied', 'npsCount', 'npsPromoters', 'npsDetractors']);
const OCCUPANCY = new Set<string>(['staffedSeconds', 'occupiedSeconds']);

export function createKpiStore(db: Db): KpiStore {
  return {
    async replace(from, to, unsorted, rolledAt) {
      const [f, t] = [sqlTime(from), sqlTime(to)];
      // In key order: a queue's (or everyone's) buckets of a day land on neighbouring pages,
      // so a month's query reads a few pages per day rather than one per bucket.
      const rows = [...unsorted].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.bucket.getTime() - b.bucket.getTime()));
      // One INSERT from arrays (unnest): a day of buckets is a few thousand rows.
      const col = (pick: (r: KpiRow) => unknown) => rows.map(pick);
      const arrays = SUM_FIELDS.map((field) => Prisma.sql`${col((r) => r.sums[field])}::${Prisma.raw(INT_FIELDS.has(field) ? 'int[]' : 'float8[]')}`);
      await db.$transaction([
        db.$executeRaw`SELECT pg_advisory_xact_lock(${ROLL_LOCK})`,
        db.$executeRaw`DELETE FROM "KpiBucket" WHERE "bucket" >= ${f}::timestamp AND "bucket" < ${t}::timestamp`,
        db.$executeRaw`
          INSERT INTO "KpiBucket" ("queue", "agentId", "bucket", ${COLUMNS})
          SELECT * FROM unnest(${col((r) => r.queue)}::text[], ${col((r) => r.agentId)}::text[], ${col((r) => sqlTime(r.bucket))}::timestamp[],
                               ${Prisma.join(arrays)})`,
        db.$executeRaw`DELETE FROM "KpiDirty" WHERE "bucket" >= ${f}::timestamp AND "bucket" < ${t}::timestamp AND "markedAt" <= ${sqlTime(rolledAt)}::timestamp`,
      ]);
    },

    async markDirty(buckets, at) {
      if (buckets.length === 0) return;
      await db.$executeRaw`
        INSERT INTO "KpiDirty" ("bucket", "markedAt")
        SELECT b, ${sqlTime(at)}::timestamp FROM unnest(${buckets.map(sqlTime)}::timestamp[]) b
        ON CONFLICT ("bucket") DO UPDATE SET "markedAt" = GREATEST("KpiDirty"."markedAt", EXCLUDED."markedAt")`;
    },

    async dirty(limit) {
      const rows = await db.$queryRaw<Array<{ bucket: Date }>>`SELECT "bucket" FROM "KpiDirty" ORDER BY "bucket" LIMIT ${limit}`;
      return rows.map((r) => r.bucket);
    },

    async groups(sel, from, to, interval, zone) {
      // 1h and 1d are sums of 15-minute buckets, grouped on the business clock in SQL so a
      // month reads one row per bucket and returns one per day.
      const local = Prisma.sql`(("bucket" AT TIME ZONE 'UTC') AT TIME ZONE ${zone})`;
      const key =
        interval === '15m'
          ? local
          : Prisma.sql`date_trunc(${interval === '1h' ? 'hour' : 'day'}, ${local})`;
      const c = sel.contacts;
      const o = sel.occupancy;
      const sums = SUM_FIELDS.map((field) => {
        const from = OCCUPANCY.has(field) ? o : c;
        return Prisma.sql`COALESCE(SUM(${Prisma.raw(`"${field}"`)}) FILTER (WHERE "queue" = ${from.queue} AND "agentId" = ${from.agentId}), 0)::float8 AS ${Prisma.raw(`"${field}"`)}`;
      });
      const rows = await db.$queryRaw<Array<Record<string, number | string>>>`
        SELECT to_char(${key}, 'YYYY-MM-DD"T"HH24:MI:SS') AS "start", ${Prisma.join(sums)}
        FROM "KpiBucket"
        WHERE (("queue" = ${c.queue} AND "agentId" = ${c.agentId}) OR ("queue" = ${o.queue} AND "agentId" = ${o.agentId}))
          AND "bucket" >= ${sqlTime(from)}::timestamp AND "bucket" < ${sqlTime(to)}::timestamp
        GROUP BY 1 ORDER BY 1`;
      return rows.map((r) => ({ start: String(r.start), sums: Object.fromEntries(SUM_FIELDS.map((f) => [f, Number(r[f])])) as unknown as KpiSums }));
    },

    async byQueue(from, to) {
      const sums = SUM_FIELDS.map((f) => Prisma.raw(`SUM("${f}")::float8 AS "${f}"`));
      const rows = await db.$queryRaw<Array<Record<string, number | string>>>`
        SELECT "queue", ${Prisma.join(sums)} FROM "KpiBucket"
        WHERE "agentId" = ${ALL} AND "queue" <> ${ALL} AND "bucket" >= ${sqlTime(from)}::timestamp AND "bucket" < ${sqlTime(to)}::timestamp
        GROUP BY "queue"`;
      return new Map(rows.map((r) => [String(r.queue), Object.fromEntries(SUM_FIELDS.map((f) => [f, Number(r[f])])) as unknown as KpiSums]));
    },

    async hasQueue(queue) {
      const rows = await db.$queryRaw<unknown[]>`SELECT 1 FROM "KpiBucket" WHERE "queue" = ${queue} LIMIT 1`;
      return rows.length > 0;
    },
  };
}
