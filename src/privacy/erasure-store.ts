import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import type { Prisma } from '../generated/prisma/client.js';

export type VoiceprintStatus = 'erased' | 'pending' | 'none';

/** What `DELETE /api/customers/:id` answers, and what is kept as proof of it. */
export interface ErasureReceipt {
  customerId: string;
  erasedAt: string;
  erasedBy: string;
  /** How many records of each kind were erased or anonymised. */
  erased: Record<string, number>;
  /** The voiceprint at the biometrics vendor: deleted, still waiting for the vendor to confirm, or there was none. */
  voiceprint: VoiceprintStatus;
  /** What is not done yet (retried until it is). */
  pending: string[];
}

type Row = Prisma.ErasureReceiptGetPayload<object>;

function toReceipt(row: Row): ErasureReceipt {
  const voiceprint = row.voiceprint as VoiceprintStatus;
  return {
    customerId: row.customerId,
    erasedAt: row.erasedAt.toISOString(),
    erasedBy: row.erasedBy,
    erased: row.counts as Record<string, number>,
    voiceprint,
    pending: voiceprint === 'pending' ? ['voiceprint'] : [],
  };
}

export interface ErasureStore {
  /**
   * Runs `work` (the owners' erasure parts) in one transaction and stores its receipt in the
   * same commit, so an erasure and its proof exist together or not at all. `work` answers
   * undefined when there is no such customer: nothing is written.
   */
  erase(
    entry: { customerId: string; by: string; at: Date; voiceprint: VoiceprintStatus },
    work: (tx: Prisma.TransactionClient) => Promise<Record<string, number> | undefined>,
  ): Promise<ErasureReceipt | undefined>;
  find(customerId: string): Promise<ErasureReceipt | undefined>;
  setVoiceprint(customerId: string, status: VoiceprintStatus, at: Date): Promise<ErasureReceipt | undefined>;
  /** Customers whose voiceprint deletion the vendor has not confirmed, oldest first. */
  pendingVoiceprints(limit: number): Promise<string[]>;
  /** Removes up to `limit` receipts older than `before` (never a pending one); returns how many. */
  removeOlderThan(before: Date, limit: number): Promise<number>;
}

/** The only writer of `ErasureReceipt`. */
export function createErasureStore(db: Db): ErasureStore {
  return {
    async erase(entry, work) {
      return db.$transaction(
        async (tx) => {
          const counts = await work(tx);
          if (!counts) return undefined;
          const data = { erasedAt: entry.at, erasedBy: entry.by, counts, voiceprint: entry.voiceprint, updatedAt: entry.at };
          // A customer id used again after an erasure and erased again: the newest erasure stands.
          const row = await tx.erasureReceipt.upsert({ where: { customerId: entry.customerId }, create: { customerId: entry.customerId, ...data }, update: data });
          return toReceipt(row);
        },
        // A customer with years of history: the erasure may touch many rows.
        { timeout: 60_000, maxWait: 10_000 },
      );
    },

    async find(customerId) {
      const row = await db.erasureReceipt.findUnique({ where: { customerId } });
      return row ? toReceipt(row) : undefined;
    },

    async setVoiceprint(customerId, status, at) {
      const updated = await db.erasureReceipt.updateManyAndReturn({ where: { customerId }, data: { voiceprint: status, updatedAt: at } });
      return updated[0] ? toReceipt(updated[0]) : undefined;
    },

    async pendingVoiceprints(limit) {
      const rows = await db.erasureReceipt.findMany({ where: { voiceprint: 'pending' }, orderBy: { erasedAt: 'asc' }, take: limit, select: { customerId: true } });
      return rows.map((r) => r.customerId);
    },

    async removeOlderThan(before, limit) {
      return db.$executeRaw`
        DELETE FROM "ErasureReceipt" WHERE "customerId" = ANY(ARRAY(
          SELECT "customerId" FROM "ErasureReceipt" WHERE "erasedAt" < ${sqlTime(before)}::timestamp AND "voiceprint" <> 'pending'
          ORDER BY "erasedAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED))`;
    },
  };
}
