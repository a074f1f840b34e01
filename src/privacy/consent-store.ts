import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { ConsentState, TConsentChannel, TPurpose } from './consent-schemas.js';

type Row = Prisma.ConsentGetPayload<object>;

function toState(row: Row): ConsentState {
  return {
    purpose: row.purpose as TPurpose,
    granted: row.granted,
    at: row.at.toISOString(),
    channel: row.channel as TConsentChannel,
    textVersion: row.textVersion,
  };
}

export interface NewConsent {
  customerId: string;
  purpose: TPurpose;
  granted: boolean;
  channel: TConsentChannel;
  textVersion: string;
  at: Date;
  by: string;
}

export type AppendResult = { kind: 'no_customer' } | { kind: 'unchanged'; consent: ConsentState } | { kind: 'recorded'; consent: ConsentState; id: string };

export interface ConsentStore {
  /**
   * Appends a grant or withdrawal unless it repeats the standing answer (same granted,
   * channel and text version). `alongside` runs in the same transaction after the row is
   * written (the timeline entry), so a change and its record commit or fail together.
   */
  append(entry: NewConsent, alongside: (tx: Prisma.TransactionClient, id: string) => Promise<void>): Promise<AppendResult>;
  /** The standing answer per purpose (the last one recorded), by purpose name; a purpose never answered is absent. */
  latest(customerId: string): Promise<ConsentState[]>;
}

/** The only writer of the `Consent` table; the table is append-only (nothing here updates or deletes). */
export function createConsentStore(db: Db): ConsentStore {
  return {
    async append(entry, alongside) {
      return db.$transaction(async (tx) => {
        // Serializes changes per customer so a repeat racing its original is seen as a repeat.
        // NO KEY UPDATE leaves the rows that reference the customer (calls, timeline) writable.
        const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Customer" WHERE "id" = ${entry.customerId} FOR NO KEY UPDATE`;
        if (locked.length === 0) return { kind: 'no_customer' } as const;
        const standing = await tx.consent.findFirst({ where: { customerId: entry.customerId, purpose: entry.purpose }, orderBy: { seq: 'desc' } });
        if (standing && standing.granted === entry.granted && standing.channel === entry.channel && standing.textVersion === entry.textVersion) {
          return { kind: 'unchanged', consent: toState(standing) } as const;
        }
        const row = await tx.consent.create({ data: entry });
        await alongside(tx, row.id);
        return { kind: 'recorded', consent: toState(row), id: row.id } as const;
      });
    },

    async latest(customerId) {
      const rows = await db.consent.findMany({ where: { customerId }, orderBy: [{ purpose: 'asc' }, { seq: 'desc' }], distinct: ['purpose'] });
      return rows.map(toState);
    },
  };
}

/**
 * The register's part of an erasure, inside its transaction — the one deletion this
 * append-only table knows. The proof of consent is itself personal data (who agreed to
 * what, when); once the person is erased there is no one left to prove it for, so the
 * history goes with them. The erasure's receipt keeps how many answers there were, and
 * the timeline keeps each change as an anonymous `consent` fact (time, no summary).
 */
export async function eraseConsents(tx: Prisma.TransactionClient, customerId: string): Promise<number> {
  return (await tx.consent.deleteMany({ where: { customerId } })).count;
}
