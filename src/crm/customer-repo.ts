import type { ExperienceView } from '../analytics/experience/experience-service.js';
import { storedExperienceSql } from '../analytics/experience/experience-sql.js';
import type { Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';
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

/** One item of a customer's timeline, as the IVR, routing and the screen pop read it. */
export interface RecentInteraction {
  channel: string;
  type: string;
  status: string | null;
  at: Date;
  summary: string;
  sentimentLabel: string | null;
  sentimentScore: number | null;
  callId: string | null;
}

/** How many of a caller's newest interactions come with the lookup (the pop shows them). */
export const RECENT_INTERACTIONS = 10;

/** A caller found by number, with what the IVR and routing need to know about their history. */
export interface CallerMatch {
  customer: Customer;
  /** Their newest interaction is a complaint that is not resolved. */
  openComplaint: boolean;
  /** Newest first, at most RECENT_INTERACTIONS; absent when the CRM cannot give them in the same read. */
  recent?: RecentInteraction[];
  /** Their stored experience score (null: none computed yet); absent when the CRM cannot give it in the same read. */
  experience?: ExperienceView | null;
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
  // owner of a shared line), their numbers, their newest interactions — whether the last
  // one is an unresolved complaint steers the IVR, and the screen pop shows them — and the
  // experience score the pop shows.
  async function findCaller(e164: string): Promise<CallerMatch | undefined> {
    type Recent = Omit<RecentInteraction, 'at'> & { at: string };
    const rows = await db.$queryRaw<Array<Omit<Row, 'phones'> & { phones: string[]; recent: Recent[]; experience: unknown }>>`
      SELECT c."id", c."name", c."language", c."tier", c."accountValueAmount", c."accountValueCurrency", c."externalRef", c."updatedAt",
             ARRAY(SELECT p2."e164" FROM "CustomerPhone" p2 WHERE p2."customerId" = c."id" ORDER BY p2."e164") AS "phones",
             COALESCE((SELECT json_agg(json_build_object('channel', i."channel", 'type', i."type", 'status', i."status", 'at', i."at",
                                                         'summary', i."summary", 'sentimentLabel', i."sentimentLabel",
                                                         'sentimentScore', i."sentimentScore", 'callId', i."callId") ORDER BY i."at" DESC, i."id" DESC)
                       FROM (SELECT * FROM "Interaction" i0 WHERE i0."customerId" = c."id"
                             ORDER BY i0."at" DESC, i0."id" DESC LIMIT ${RECENT_INTERACTIONS}) i), '[]'::json) AS "recent",
             ${storedExperienceSql.of(Prisma.sql`c."id"`)} AS "experience"
      FROM (SELECT c0.* FROM "CustomerPhone" p JOIN "Customer" c0 ON c0."id" = p."customerId"
            WHERE p."e164" = ${e164} ORDER BY c0."updatedAt" DESC LIMIT 1) c`;
    const row = rows[0];
    if (!row) return undefined;
    // Timestamps in JSON are UTC wall time without a zone, as Prisma stores DateTime.
    const recent = row.recent.map((r) => ({ ...r, at: new Date(`${r.at}Z`) }));
    const last = recent[0];
    return {
      customer: toCustomer({ ...row, phones: row.phones.map((p) => ({ e164: p })) }),
      openComplaint: last?.type === 'complaint' && last.status !== 'resolved',
      recent,
      experience: storedExperienceSql.view(row.experience),
    };
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

/**
 * The customer record's part of an erasure (src/privacy/erase-customer.ts), inside the
 * erasure's transaction: this file stays the only writer of `Customer` and `CustomerPhone`.
 */
export const customerErasure = {
  /**
   * Locks the customer (writers of consents and PINs wait, then find no one) and returns
   * their numbers, which find the calls and timeline entries made while they were unknown.
   */
  async lock(tx: Prisma.TransactionClient, customerId: string): Promise<{ phones: string[] } | undefined> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Customer" WHERE "id" = ${customerId} FOR UPDATE`;
    if (rows.length === 0) return undefined;
    const phones = await tx.customerPhone.findMany({ where: { customerId }, select: { e164: true } });
    return { phones: phones.map((p) => p.e164) };
  },
  /** Deletes the record and its numbers: a number that calls again belongs to no one. */
  async erase(tx: Prisma.TransactionClient, customerId: string): Promise<{ profile: number; phones: number }> {
    const phones = await tx.customerPhone.deleteMany({ where: { customerId } });
    const profile = await tx.customer.deleteMany({ where: { id: customerId } });
    return { profile: profile.count, phones: phones.count };
  },
};
