import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Alert } from './alerts.js';

/** An event's alert as every node lists it: until `expiresAt`, set by whichever node raised it first. */
export interface ListedAlert {
  alert: Alert;
  expiresAt: Date;
}

/**
 * The `SupervisorAlert` table's one writer: the event alerts listed now, shared by every node and
 * Lambda. A node keeps event alerts in memory only to announce each once to its own sockets;
 * what is listed is what this table says. Condition alerts are not kept here: every read works
 * them out again from the queue.
 */
/** `listed`: its cause already was (another node heard the same event); `erased`: the customer it names no longer exists. */
export type RaiseResult = 'raised' | 'listed' | 'erased';

export interface AlertStore {
  /**
   * Lists the alert until `expiresAt` unless its cause is already listed at `now`. Every node
   * that hears the same event may call it; one row results.
   */
  raise(alert: Alert, now: Date, expiresAt: Date): Promise<RaiseResult>;
  /** The alerts listed at `now`. */
  listed(now: Date): Promise<ListedAlert[]>;
}

/** Reads sweep rows past their time at most this often (raises always do). */
const SWEEP_EVERY_MS = 60_000;

export function createAlertStore(db: Db): AlertStore {
  let sweptAt = -Infinity;
  // Past their time the rows are nobody's: a row naming a customer is not kept a minute longer than it has to be.
  const sweep = async (now: Date) => {
    sweptAt = now.getTime();
    await db.supervisorAlert.deleteMany({ where: { expiresAt: { lte: now } } });
  };
  return {
    async raise(alert, now, expiresAt) {
      // Before the insert: the same cause, run out, can then be raised anew.
      await sweep(now);
      const customerId = alert.customerId ?? null;
      // An alert naming a customer is written only while the customer exists: the share lock
      // waits for an erasure under way (which holds the row for update) and then finds no row,
      // so an alert raised from a read made before the erasure cannot outlive it.
      const inserted = await db.$executeRaw`
        INSERT INTO "SupervisorAlert" ("id", "kind", "callId", "customerId", "alert", "raisedAt", "expiresAt")
        SELECT ${alert.id}, ${alert.kind}, ${alert.callId ?? null}, ${customerId}, ${JSON.stringify(alert)}::jsonb, ${sqlTime(now)}::timestamp, ${sqlTime(expiresAt)}::timestamp
        WHERE ${customerId}::text IS NULL OR EXISTS (SELECT 1 FROM "Customer" WHERE "id" = ${customerId} FOR KEY SHARE)
        ON CONFLICT ("id") DO NOTHING`;
      if (inserted === 1) return 'raised';
      if (customerId === null) return 'listed';
      return (await db.supervisorAlert.count({ where: { id: alert.id } })) > 0 ? 'listed' : 'erased';
    },
    async listed(now) {
      if (now.getTime() - sweptAt >= SWEEP_EVERY_MS) await sweep(now);
      const rows = await db.supervisorAlert.findMany({ where: { expiresAt: { gt: now } }, orderBy: { raisedAt: 'asc' }, select: { alert: true, expiresAt: true } });
      return rows.map((r) => ({ alert: r.alert as unknown as Alert, expiresAt: r.expiresAt }));
    },
  };
}

/** The alerts' part of an erasure, inside its transaction: those naming the customer or one of their calls. */
export async function eraseSupervisorAlerts(tx: Prisma.TransactionClient, s: { customerId: string; callIds: string[] }): Promise<number> {
  return (await tx.supervisorAlert.deleteMany({ where: { OR: [{ customerId: s.customerId }, { callId: { in: s.callIds } }] } })).count;
}
