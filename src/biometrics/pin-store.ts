import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { HashedPin, PinKdfParams } from './pin-kdf.js';

/** A customer's PIN as stored: the hash and its attempt counters, never the digits. */
export interface StoredPin extends HashedPin {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export interface PinCounters {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export interface PinStore {
  /** Sets or replaces the PIN, clearing failed attempts and any lock-out; `no_customer` when the customer does not exist. */
  save(customerId: string, pin: HashedPin, at: Date): Promise<'saved' | 'no_customer'>;
  /**
   * Runs `decide` with the customer's PIN row locked and writes the counters it returns in
   * the same transaction, so concurrent guesses are checked one at a time and each counts.
   */
  attempt<T>(customerId: string, decide: (pin: StoredPin | null) => Promise<{ result: T; counters?: PinCounters }>): Promise<T>;
  /** The counters alone (no hash), or null when no PIN is set: read before asking a caller for it. */
  counters(customerId: string): Promise<PinCounters | null>;
}

/** The only writer of the `CustomerPin` table. */
export function createPinStore(db: Db): PinStore {
  return {
    async save(customerId, pin, at) {
      return db.$transaction(async (tx) => {
        // NO KEY UPDATE: a concurrent erasure waits for us (then cascades), other rows stay writable.
        const found = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Customer" WHERE "id" = ${customerId} FOR NO KEY UPDATE`;
        if (found.length === 0) return 'no_customer' as const;
        const data = { hash: pin.hash, salt: pin.salt, params: pin.params as unknown as Prisma.InputJsonValue, failedAttempts: 0, lockedUntil: null, updatedAt: at };
        await tx.customerPin.upsert({ where: { customerId }, create: { customerId, ...data }, update: data });
        return 'saved' as const;
      });
    },

    async attempt(customerId, decide) {
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<Array<{ hash: string; salt: string; params: PinKdfParams; failedAttempts: number; lockedUntil: Date | null }>>`
          SELECT "hash", "salt", "params", "failedAttempts", "lockedUntil" FROM "CustomerPin" WHERE "customerId" = ${customerId} FOR UPDATE`;
        const row = rows[0];
        const outcome = await decide(row ? { ...row, lockedUntil: row.lockedUntil ? new Date(row.lockedUntil) : null } : null);
        if (row && outcome.counters) await tx.customerPin.update({ where: { customerId }, data: outcome.counters });
        return outcome.result;
      });
    },

    async counters(customerId) {
      return db.customerPin.findUnique({ where: { customerId }, select: { failedAttempts: true, lockedUntil: true } });
    },
  };
}

/** The PIN's part of an erasure, inside its transaction. */
export async function erasePin(tx: Prisma.TransactionClient, customerId: string): Promise<number> {
  return (await tx.customerPin.deleteMany({ where: { customerId } })).count;
}
