import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** One answered post-call survey: the row the KPIs' CSAT and NPS read. */
export interface SurveyResponseRecord {
  callId: string;
  customerId: string | null;
  queue: string;
  agentId: string;
  /** 1-5, null while (or if never) answered. */
  csat: number | null;
  /** 0-10, null while (or if never) answered. */
  nps: number | null;
  language: string;
  /** When the latest answer was given. */
  answeredAt: Date;
}

/** The `SurveyResponse` table's one writer; on the client or inside a caller's transaction. */
export interface SurveyResponseStore {
  /** One row per call: the first answer creates it, later ones fill in what was answered. */
  save(r: SurveyResponseRecord): Promise<{ created: boolean }>;
  /** The customer's newest surveys first, answered at or after `since`. */
  recentFor(customerId: string, since: Date, limit: number): Promise<SurveyResponseRecord[]>;
}

export function createSurveyResponseStore(db: Db | Prisma.TransactionClient): SurveyResponseStore {
  return {
    async save(r) {
      const existing = await db.surveyResponse.findUnique({ where: { callId: r.callId }, select: { id: true } });
      if (existing) {
        await db.surveyResponse.update({ where: { callId: r.callId }, data: { csat: r.csat, nps: r.nps, answeredAt: r.answeredAt } });
        return { created: false };
      }
      await db.surveyResponse.create({ data: r });
      return { created: true };
    },
    async recentFor(customerId, since, limit) {
      const rows = await db.surveyResponse.findMany({
        where: { customerId, answeredAt: { gte: since } },
        orderBy: [{ answeredAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: { callId: true, customerId: true, queue: true, agentId: true, csat: true, nps: true, language: true, answeredAt: true },
      });
      return rows;
    },
  };
}

/** The answers' part of an erasure, inside its transaction: each answer stays for CSAT and NPS, anonymous. */
export async function eraseSurveyResponses(tx: Prisma.TransactionClient, s: { customerId: string; callIds: string[] }): Promise<number> {
  return (await tx.surveyResponse.updateMany({ where: { OR: [{ customerId: s.customerId }, { callId: { in: s.callIds } }] }, data: { customerId: null } })).count;
}
