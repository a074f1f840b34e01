import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.js';

/**
 * A call's entry on the timeline, as parts of the call's own statements: the call, its IVR
 * step and its timeline entry commit together (the webhook's hot path is one statement), so
 * the call repository composes these. The timeline module owns how the entry is written;
 * `interaction-repo.ts` and this file are the only writers of `Interaction`.
 */
export const callEntrySql = {
  /**
   * Body of a CTE: the call's entry, once per key, for each row of `from` (the CTE that wrote
   * the call; its "id" is the entry's callId). A repeat inserts nothing, or with `link`
   * fills in a customer the first writer did not know.
   */
  insert(e: { key: string; customerId: Prisma.Sql; phoneE164: string | null; at: Prisma.Sql; summary: string; writtenAt: string; from: Prisma.Sql; onRepeat: 'nothing' | 'link' }): Prisma.Sql {
    const repeat =
      e.onRepeat === 'link'
        ? Prisma.sql`ON CONFLICT ("idempotencyKey") DO UPDATE SET "customerId" = COALESCE("Interaction"."customerId", EXCLUDED."customerId")`
        : Prisma.sql`ON CONFLICT ("idempotencyKey") DO NOTHING`;
    return Prisma.sql`
      INSERT INTO "Interaction" ("id", "idempotencyKey", "customerId", "phoneE164", "channel", "type", "at", "summary", "callId", "createdAt", "updatedAt")
      SELECT ${randomUUID()}, ${e.key}, ${e.customerId}, ${e.phoneE164}, 'voice', 'call', ${e.at}, ${e.summary}, ${e.from}."id",
             ${e.writtenAt}::timestamp, ${e.writtenAt}::timestamp FROM ${e.from}
      ${repeat}`;
  },

  /** A statement (or CTE body): the entry's one-line summary, found by its key; `onlyIf` a further condition over `from`. */
  setSummary(s: { key: string; summary: string; writtenAt: string; from?: Prisma.Sql; onlyIf?: Prisma.Sql }): Prisma.Sql {
    return Prisma.sql`
      UPDATE "Interaction" SET "summary" = ${s.summary}, "updatedAt" = ${s.writtenAt}::timestamp
      ${s.from ? Prisma.sql`FROM ${s.from}` : Prisma.empty}
      WHERE "Interaction"."idempotencyKey" = ${s.key} ${s.onlyIf ? Prisma.sql`AND ${s.onlyIf}` : Prisma.empty}`;
  },

  /** A statement: the entry moves back to `at` when the call turns out to have started earlier (a provider's events arrive in any order). */
  moveStart(m: { key: string; at: string; writtenAt: string }): Prisma.Sql {
    return Prisma.sql`
      UPDATE "Interaction" SET "at" = ${m.at}::timestamp, "updatedAt" = ${m.writtenAt}::timestamp
      WHERE "idempotencyKey" = ${m.key} AND "at" > ${m.at}::timestamp`;
  },
};
