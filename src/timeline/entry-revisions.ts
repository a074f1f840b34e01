import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';

/**
 * Later facts on an entry already on the timeline (a survey's second answer, a follow-up
 * that learns more): its one-line summary, found by the entry's idempotency key. With
 * interaction-repo.ts and call-entry-sql.ts, one of the timeline module's writers of
 * `Interaction`; on the client or inside a caller's transaction.
 */
export interface EntryRevisions {
  /** False when no entry has that key. */
  setSummary(idempotencyKey: string, summary: string, at: Date): Promise<boolean>;
}

export function createEntryRevisions(db: Db | Prisma.TransactionClient): EntryRevisions {
  return {
    async setSummary(idempotencyKey, summary, at) {
      const updated = await db.interaction.updateMany({ where: { idempotencyKey }, data: { summary, updatedAt: at } });
      return updated.count > 0;
    },
  };
}
