import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Customer, TLanguage } from './schemas.js';

type Row = Prisma.CustomerGetPayload<{ include: { phones: true } }>;

/** The lookup's query shape: the customer, their phones, and only the kind of their newest interaction. */
const CALLER_INCLUDE = {
  phones: true,
  interactions: { orderBy: [{ at: 'desc' }, { id: 'desc' }], take: 1, select: { type: true, status: true } },
} satisfies Prisma.CustomerInclude;

function toCustomer(row: Row): Customer {
  return {
    id: row.id,
    name: row.name,
    phones: row.phones.map((p) => p.e164),
    language: row.language as TLanguage,
    tier: row.tier,
    ...(row.accountValueAmount !== null && row.accountValueCurrency
      ? { accountValue: { amount: Number(row.accountValueAmount), currency: row.accountValueCurrency } }
      : {}),
    ...(row.externalRef ? { externalRef: row.externalRef } : {}),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A caller found by number, with what the IVR and routing need to know about their history. */
export interface CallerMatch {
  customer: Customer;
  /** Their newest interaction is a complaint that is not resolved. */
  openComplaint: boolean;
}

export interface CustomerRepo {
  findByPhone(e164: string): Promise<Customer | undefined>;
  /**
   * findByPhone plus "is the newest interaction an open complaint", in one Prisma query
   * (the webhook hot path). Optional so a CRM without it still works via findByPhone.
   */
  findCaller?(e164: string): Promise<CallerMatch | undefined>;
  get(id: string): Promise<Customer | undefined>;
  /** Replaces the customer and its phone list atomically; returns whether it was created. */
  upsert(customer: Omit<Customer, 'updatedAt'>): Promise<{ customer: Customer; created: boolean }>;
}

/** The built-in CRM on Prisma. */
export function createCustomerRepo(db: Db): CustomerRepo {
  return {
    async findByPhone(e164) {
      // A shared line may belong to several customers: the most recently updated wins.
      const row = await db.customer.findFirst({
        where: { phones: { some: { e164 } } },
        include: { phones: true },
        orderBy: { updatedAt: 'desc' },
      });
      return row ? toCustomer(row) : undefined;
    },
    async findCaller(e164) {
      // Same choice as findByPhone; one model query instead of two halves the Prisma and
      // SQL work per call. It stays a model query (not $queryRaw) so client extensions such
      // as the slow-store simulation in test/webhooks/twilio/degraded.test.ts still apply.
      const row = await db.customer.findFirst({
        where: { phones: { some: { e164 } } },
        include: CALLER_INCLUDE,
        orderBy: { updatedAt: 'desc' },
      });
      if (!row) return undefined;
      const last = row.interactions[0];
      return { customer: toCustomer(row), openComplaint: last?.type === 'complaint' && last.status !== 'resolved' };
    },
    async get(id) {
      const row = await db.customer.findUnique({ where: { id }, include: { phones: true } });
      return row ? toCustomer(row) : undefined;
    },
    async upsert(c) {
      const data = {
        name: c.name,
        language: c.language,
        tier: c.tier,
        accountValueAmount: c.accountValue?.amount ?? null,
        accountValueCurrency: c.accountValue?.currency ?? null,
        externalRef: c.externalRef ?? null,
      };
      return db.$transaction(async (tx) => {
        const existing = await tx.customer.findUnique({ where: { id: c.id }, select: { id: true } });
        await tx.customer.upsert({ where: { id: c.id }, create: { id: c.id, ...data }, update: data });
        await tx.customerPhone.deleteMany({ where: { customerId: c.id } });
        await tx.customerPhone.createMany({ data: c.phones.map((e164) => ({ customerId: c.id, e164 })), skipDuplicates: true });
        // Calls and messages logged while this number was unknown now belong to the customer.
        await tx.interaction.updateMany({ where: { customerId: null, phoneE164: { in: c.phones } }, data: { customerId: c.id } });
        const row = await tx.customer.findUniqueOrThrow({ where: { id: c.id }, include: { phones: true } });
        return { customer: toCustomer(row), created: !existing };
      });
    },
  };
}
