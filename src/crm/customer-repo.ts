import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Customer, TLanguage } from './schemas.js';

type Row = Prisma.CustomerGetPayload<{ include: { phones: true } }>;

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

export interface CustomerRepo {
  findByPhone(e164: string): Promise<Customer | undefined>;
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
