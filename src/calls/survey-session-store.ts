import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Action, Session } from '../ivr/types.js';

export interface SurveySessionRecord {
  callId: string;
  customerId: string | null;
  queue: string;
  agentId: string;
  flowName: string;
  flowVersion: number;
  language: string;
  session: Session;
  stepSeq: number;
  /** Each answer rendered, by step number: a provider's retry gets the same one. */
  steps: Record<string, Action[]>;
}

export type NewSurveySession = Omit<SurveySessionRecord, 'stepSeq' | 'steps'>;

/** The `SurveySession` table's one writer, and the read of who handled the call. */
export interface SurveySessionStore {
  find(callId: string): Promise<SurveySessionRecord | undefined>;
  /** The agent who took the call and the queue they took it from (routing's entry, read only). */
  handledBy(callId: string): Promise<{ queue: string; agentId: string } | undefined>;
  /** The survey's first answer (step 0); 'duplicate' when a retry of the same request got there first. */
  start(s: NewSurveySession, actions: Action[], at: Date): Promise<SurveySessionRecord | 'duplicate'>;
  /**
   * Stores the answer to step `seq` (the session was at `seq - 1`) and runs `alongside` in
   * the same transaction; 'duplicate' when that step was already answered, and then
   * nothing of `alongside` is kept.
   */
  advance<T>(callId: string, seq: number, session: Session, actions: Action[], at: Date, alongside: (tx: Prisma.TransactionClient) => Promise<T>): Promise<{ result: T } | 'duplicate'>;
}

type Row = Prisma.SurveySessionGetPayload<object>;
const toRecord = (r: Row): SurveySessionRecord => ({
  callId: r.callId,
  customerId: r.customerId,
  queue: r.queue,
  agentId: r.agentId,
  flowName: r.flowName,
  flowVersion: r.flowVersion,
  language: r.language,
  session: r.session as unknown as Session,
  stepSeq: r.stepSeq,
  steps: r.steps as unknown as Record<string, Action[]>,
});

/** Marks the transaction to be undone without being an error of ours. */
class Duplicate extends Error {}

export function createSurveySessionStore(db: Db): SurveySessionStore {
  return {
    async find(callId) {
      const row = await db.surveySession.findUnique({ where: { callId } });
      return row ? toRecord(row) : undefined;
    },

    async handledBy(callId) {
      const entry = await db.queueEntry.findUnique({ where: { callId }, select: { queue: true, agentId: true, kind: true } });
      return entry?.agentId && entry.kind === 'call' ? { queue: entry.queue, agentId: entry.agentId } : undefined;
    },

    async start(s, actions, at) {
      const created = await db.surveySession.createMany({
        data: [{ ...s, session: s.session as object, stepSeq: 0, steps: { 0: actions } as object, startedAt: at, updatedAt: at }],
        skipDuplicates: true,
      });
      if (created.count === 0) return 'duplicate';
      return { ...s, stepSeq: 0, steps: { 0: actions } };
    },

    async advance(callId, seq, session, actions, at, alongside) {
      try {
        return await db.$transaction(async (tx) => {
          const current = await tx.surveySession.findUnique({ where: { callId }, select: { steps: true, stepSeq: true } });
          if (!current || current.stepSeq !== seq - 1) throw new Duplicate();
          const steps = { ...(current.steps as Record<string, unknown>), [seq]: actions };
          // Conditional: of two deliveries of one step, one moves the session on.
          const moved = await tx.surveySession.updateMany({ where: { callId, stepSeq: seq - 1 }, data: { session: session as object, stepSeq: seq, steps: steps as object, updatedAt: at } });
          if (moved.count !== 1) throw new Duplicate();
          return { result: await alongside(tx) };
        });
      } catch (err) {
        if (err instanceof Duplicate) return 'duplicate';
        throw err;
      }
    },
  };
}

/**
 * The survey sessions' part of an erasure, inside its transaction: no link to the customer,
 * and neither what they keyed nor what the survey said to them (a prompt may name them).
 */
export async function eraseSurveySessions(tx: Prisma.TransactionClient, s: { customerId: string; callIds: string[] }): Promise<number> {
  return tx.$executeRaw`
    UPDATE "SurveySession" SET "customerId" = NULL, "steps" = '{}'::jsonb,
                               "session" = jsonb_set("session", '{inputs}', '{}'::jsonb)
    WHERE "customerId" = ${s.customerId} OR "callId" = ANY(${s.callIds}::text[])`;
}
