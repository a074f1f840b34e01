import type { Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';

export type ExportProfileRow = Prisma.CustomerGetPayload<{ include: { phones: true } }>;
export type ExportConsentRow = Prisma.ConsentGetPayload<object>;
export type ExportInteractionRow = Prisma.InteractionGetPayload<object>;
export type ExportCallRow = Prisma.CallGetPayload<{ include: { steps: true } }>;
export type ExportCallEventRow = Prisma.CallEventGetPayload<object>;

export interface ExportPopRow {
  agentId: string;
  callId: string;
  payload: unknown;
  createdAt: Date;
  ackedAt: Date | null;
}

/** Where the previous page of a newest-first listing ended. */
export interface PageAfter {
  at: Date;
  id: string;
}

/**
 * The reads behind a customer's export (read-only). Timeline and calls are paged newest
 * first by (time, id) so a long history is read, and written out, a page at a time.
 */
export interface CustomerExportRepo {
  profile(customerId: string): Promise<ExportProfileRow | undefined>;
  /** Every grant and withdrawal, in the order they were recorded. */
  consentHistory(customerId: string): Promise<ExportConsentRow[]>;
  interactionsPage(customerId: string, after: PageAfter | undefined, limit: number): Promise<ExportInteractionRow[]>;
  /** The customer's calls with their IVR steps (in step order). */
  callsPage(customerId: string, after: PageAfter | undefined, limit: number): Promise<ExportCallRow[]>;
  callEvents(callIds: string[]): Promise<ExportCallEventRow[]>;
  /** Screen pops whose payload names one of these calls, oldest first. */
  screenPops(callIds: string[]): Promise<ExportPopRow[]>;
}

/** Newest first, ties broken by id, strictly after the previous page's last row. */
function olderThan(field: 'at' | 'startedAt', after: PageAfter | undefined) {
  if (!after) return {};
  return { OR: [{ [field]: { lt: after.at } }, { [field]: after.at, id: { lt: after.id } }] };
}

export function createCustomerExportRepo(db: Db): CustomerExportRepo {
  return {
    async profile(customerId) {
      return (await db.customer.findUnique({ where: { id: customerId }, include: { phones: { orderBy: { e164: 'asc' } } } })) ?? undefined;
    },

    consentHistory: (customerId) => db.consent.findMany({ where: { customerId }, orderBy: { seq: 'asc' } }),

    interactionsPage: (customerId, after, limit) =>
      db.interaction.findMany({ where: { customerId, ...olderThan('at', after) }, orderBy: [{ at: 'desc' }, { id: 'desc' }], take: limit }),

    callsPage: (customerId, after, limit) =>
      db.call.findMany({
        where: { customerId, ...olderThan('startedAt', after) },
        orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
        take: limit,
        include: { steps: { orderBy: { seq: 'asc' } } },
      }),

    callEvents: (callIds) =>
      callIds.length === 0 ? Promise.resolve([]) : db.callEvent.findMany({ where: { callId: { in: callIds } }, orderBy: [{ at: 'asc' }, { key: 'asc' }] }),

    async screenPops(callIds) {
      if (callIds.length === 0) return [];
      // The pop names its call only inside the payload (ref is the reservation).
      return db.$queryRaw<ExportPopRow[]>(Prisma.sql`
        SELECT "agentId", "payload"->'call'->>'id' AS "callId", "payload", "createdAt", "ackedAt"
        FROM "AgentMessage"
        WHERE "type" = 'screen_pop' AND "payload"->'call'->>'id' = ANY(${callIds}::text[])
        ORDER BY "createdAt" ASC, "agentId" ASC, "seq" ASC`);
    },
  };
}
