import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { TWatchlistInput, TWatchlistKind, WatchlistEntry } from './watchlist-schemas.js';

type Row = Prisma.WatchlistEntryGetPayload<object>;

function toEntry(row: Row): WatchlistEntry {
  return { id: row.id, kind: row.kind as TWatchlistKind, value: row.value, reason: row.reason, createdBy: row.createdBy, createdAt: row.createdAt.toISOString() };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

export interface WatchlistStore {
  /** Adds an entry with its `added` audit row; an entry with the same kind and value is returned instead (`created: false`, no audit row). */
  add(input: TWatchlistInput, by: string, at: Date): Promise<{ entry: WatchlistEntry; created: boolean }>;
  /** Every entry, newest first. */
  list(): Promise<WatchlistEntry[]>;
  /** Removes an entry with its `removed` audit row; undefined when there is no such entry. */
  remove(id: string, by: string, at: Date): Promise<WatchlistEntry | undefined>;
  /** True when any of the given (kind, value) pairs is listed. */
  contains(keys: Array<{ kind: TWatchlistKind; value: string }>): Promise<boolean>;
}

/** The only writer of `WatchlistEntry` and of its audit trail, `WatchlistAudit`. */
export function createWatchlistStore(db: Db): WatchlistStore {
  const audit = (tx: Prisma.TransactionClient, action: 'added' | 'removed', row: Row, by: string, at: Date) =>
    tx.watchlistAudit.create({ data: { action, entryId: row.id, kind: row.kind, value: row.value, reason: row.reason, by, at } });

  return {
    async add(input, by, at) {
      const existing = await db.watchlistEntry.findUnique({ where: { kind_value: { kind: input.kind, value: input.value } } });
      if (existing) return { entry: toEntry(existing), created: false };
      try {
        const row = await db.$transaction(async (tx) => {
          const created = await tx.watchlistEntry.create({ data: { ...input, createdBy: by, createdAt: at } });
          await audit(tx, 'added', created, by, at);
          return created;
        });
        return { entry: toEntry(row), created: true };
      } catch (err) {
        // Another admin added the same entry between our read and our write.
        if (!isUniqueViolation(err)) throw err;
        const row = await db.watchlistEntry.findUniqueOrThrow({ where: { kind_value: { kind: input.kind, value: input.value } } });
        return { entry: toEntry(row), created: false };
      }
    },

    async list() {
      const rows = await db.watchlistEntry.findMany({ orderBy: { seq: 'desc' } });
      return rows.map(toEntry);
    },

    async remove(id, by, at) {
      return db.$transaction(async (tx) => {
        const row = await tx.watchlistEntry.findUnique({ where: { id } });
        if (!row) return undefined;
        // deleteMany: a concurrent removal of the same entry is a 404 here, not an error.
        if ((await tx.watchlistEntry.deleteMany({ where: { id } })).count === 0) return undefined;
        await audit(tx, 'removed', row, by, at);
        return toEntry(row);
      });
    },

    async contains(keys) {
      if (keys.length === 0) return false;
      return (await db.watchlistEntry.count({ where: { OR: keys.map((k) => ({ kind: k.kind, value: k.value })) } })) > 0;
    },
  };
}

/** Retention: removes up to `limit` audit rows older than `before`, oldest first; returns how many. */
export async function removeWatchlistAuditBefore(db: Db, before: Date, limit: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "WatchlistAudit" WHERE "id" = ANY(ARRAY(
      SELECT "id" FROM "WatchlistAudit" WHERE "at" < ${before.toISOString().slice(0, -1)}::timestamp ORDER BY "at" LIMIT ${limit} FOR UPDATE SKIP LOCKED))`;
}
