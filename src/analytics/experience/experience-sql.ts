import { Prisma } from '../../generated/prisma/client.js';
import type { ExperienceView } from './experience-service.js';

/**
 * A customer's stored experience score as part of another module's read: the caller lookup
 * (src/crm/customer-repo.ts) takes it in the same statement, so a known caller's pop needs no
 * read of its own. experience-store.ts stays the only writer of `CustomerExperience`.
 */
export const storedExperienceSql = {
  /** A scalar subquery over the customer `customerId` names: the stored view as JSON, NULL when never computed. */
  of(customerId: Prisma.Sql): Prisma.Sql {
    return Prisma.sql`(SELECT json_build_object('score', e."score", 'csat', e."csat", 'nps', e."nps", 'fcr', e."fcr", 'openComplaints', e."openComplaints")
                       FROM "CustomerExperience" e WHERE e."customerId" = ${customerId})`;
  },

  /** That column as read back: null when no score is stored yet. */
  view(json: unknown): ExperienceView | null {
    if (json === null || typeof json !== 'object') return null;
    const e = json as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' ? v : null);
    return { score: Number(e.score), csat: num(e.csat), nps: num(e.nps), fcr: num(e.fcr), openComplaints: Number(e.openComplaints) };
  },
};
