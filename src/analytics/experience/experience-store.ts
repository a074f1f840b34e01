import type { Db } from '../../db/client.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { EXPERIENCE, type Experience, type ExperienceFacts } from './experience-formula.js';

/** The score as stored, with when it was computed. */
export interface StoredExperience extends Experience {
  customerId: string;
  computedAt: Date;
}

/** The `CustomerExperience` table's one writer, and the reads its formula needs (surveys, timeline: read only). */
export interface ExperienceStore {
  facts(customerId: string, now: Date): Promise<ExperienceFacts>;
  save(customerId: string, e: Experience, at: Date): Promise<void>;
  get(customerId: string): Promise<StoredExperience | undefined>;
}

const DAY_MS = 86_400_000;

export function createExperienceStore(db: Db): ExperienceStore {
  return {
    async facts(customerId, now) {
      const [surveys, interactions, openComplaints] = await Promise.all([
        db.surveyResponse.findMany({
          where: { customerId, answeredAt: { gte: new Date(now.getTime() - EXPERIENCE.surveyWindowDays * DAY_MS) } },
          orderBy: { answeredAt: 'desc' },
          take: EXPERIENCE.surveysCounted,
          select: { csat: true, nps: true, answeredAt: true },
        }),
        db.interaction.findMany({
          where: { customerId, at: { gte: new Date(now.getTime() - EXPERIENCE.contactWindowDays * DAY_MS), lte: now } },
          orderBy: { at: 'desc' },
          // A customer writing hundreds of times in 90 days gets the same answer from their newest 500.
          take: 500,
          select: { type: true, at: true, sentimentScore: true },
        }),
        db.interaction.count({ where: { customerId, type: 'complaint', status: 'open' } }),
      ]);
      return { surveys, interactions, openComplaints };
    },

    async save(customerId, e, at) {
      const row = {
        score: e.score,
        csat: e.csat,
        nps: e.nps,
        fcr: e.fcr,
        openComplaints: e.openComplaints,
        surveys: e.surveys,
        contacts: e.contacts,
        repeatContacts: e.repeatContacts,
        surveyPart: e.parts.survey,
        sentimentPart: e.parts.sentiment,
        fcrPart: e.parts.fcr,
        computedAt: at,
      };
      await db.customerExperience.upsert({ where: { customerId }, create: { customerId, ...row }, update: row });
    },

    async get(customerId) {
      const r = await db.customerExperience.findUnique({ where: { customerId } });
      if (!r) return undefined;
      return {
        customerId,
        computedAt: r.computedAt,
        score: r.score,
        csat: r.csat,
        nps: r.nps,
        fcr: r.fcr,
        openComplaints: r.openComplaints,
        surveys: r.surveys,
        contacts: r.contacts,
        repeatContacts: r.repeatContacts,
        parts: { survey: r.surveyPart, sentiment: r.sentimentPart, fcr: r.fcrPart },
      };
    },
  };
}

/** The score's part of an erasure (src/privacy/erase-customer.ts), inside its transaction: the score is the person's. */
export async function eraseExperience(tx: Prisma.TransactionClient, customerId: string): Promise<number> {
  return (await tx.customerExperience.deleteMany({ where: { customerId } })).count;
}
