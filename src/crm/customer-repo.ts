import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Customer, TLanguage } from './schemas.js';

type Row = Omit<Prisma.CustomerGetPayload<object>, 'createdAt'> & { phones: Array<{ e164: string }> };

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
   * findByPhone plus "is the newest interaction an open complaint", in one query (the
   * webhook hot path). Optional so a CRM without it still works via findByPhone.
   */
  findCaller?(e164: string): Promise<CallerMatch | undefined>;
  get(id: string): Promise<Customer | undefined>;
  /** Replaces the customer and its phone list atomically; returns whether it was created. */
  upsert(customer: Omit<Customer, 'updatedAt'>): Promise<{ customer: Customer; created: boolean }>;
}

/** The built-in CRM on Prisma. */
export function createCustomerRepo(db: Db): CustomerRepo {
  // The webhook's hot path, so one SQL statement: the customer (most recently updated
  // owner of a shared line), their numbers, and whether their newest interaction is an
  // unresolved complaint. findByPhone is the same query's customer.
  async function findCaller(e164: string): Promise<CallerMatch | undefined> {
    const rows = await db.$queryRaw<Array<Omit<Row, 'phones'> & { phones: string[]; openComplaint: boolean }>>`
      SELECT c."id", c."name", c."language", c."tier", c."accountValueAmount", c."accountValueCurrency", c."externalRef", c."updatedAt",
             ARRAY(SELECT p2."e164" FROM "CustomerPhone" p2 WHERE p2."customerId" = c."id" ORDER BY p2."e164") AS "phones",
             COALESCE(last."type" = 'complaint' AND last."status" IS DISTINCT FROM 'resolved', false) AS "openComplaint"
      FROM (SELECT c0.* FROM "CustomerPhone" p JOIN "Customer" c0 ON c0."id" = p."customerId"
            WHERE p."e164" = ${e164} ORDER BY c0."updatedAt" DESC LIMIT 1) c
      LEFT JOIN LATERAL (SELECT i."type", i."status" FROM "Interaction" i WHERE i."customerId" = c."id"
                         ORDER BY i."at" DESC, i."id" DESC LIMIT 1) last ON true`;
    const row = rows[0];
    if (!row) return undefined;
    return { customer: toCustomer({ ...row, phones: row.phones.map((p) => ({ e164: p })) }), openComplaint: row.openComplaint };
  }

  return {
    findCaller,
    async findByPhone(e164) {
      return (await findCaller(e164))?.customer;
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
