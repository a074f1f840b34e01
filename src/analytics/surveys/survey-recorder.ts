import type { Prisma } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { EventBus } from '../../realtime/event-bus.js';
import type { EntryRevisions } from '../../timeline/entry-revisions.js';
import type { InteractionRepo } from '../../timeline/interaction-repo.js';
import { followUpSummary, isDetractor, surveySummary, type SurveyAnswers } from './survey-answers.js';
import type { SurveyResponseStore } from './survey-response-store.js';

/** Where supervisors' alerts travel (the supervisor socket forwards them). */
export const SUPERVISOR_ALERT_CHANNEL = 'supervisor.alert';

/** On `supervisor.alert` when a survey opens a follow-up: ids and scores only, no PII beyond the customer id. */
export interface SurveyFollowUpAlert {
  type: 'survey_follow_up';
  at: string;
  customerId?: string;
  callId: string;
  followUpId: string;
  queue: string;
  agentId: string;
  csat: number | null;
  nps: number | null;
  /** The scores in words, for the alert feed. */
  reason: string;
}

export interface SurveyAnswerInput {
  callId: string;
  customerId: string | null;
  queue: string;
  agentId: string;
  language: string;
  answers: SurveyAnswers;
  at: Date;
}

/** What one answer changed, for what follows the commit. */
export interface RecordedAnswers {
  input: SurveyAnswerInput;
  /** Set when this answer opened the follow-up (once per call). */
  openedFollowUp?: { id: string };
}

/** The writers a survey answer goes through, bound to one transaction (app.ts). */
export interface SurveyWriters {
  responses: SurveyResponseStore;
  timeline: InteractionRepo;
  revisions: EntryRevisions;
}

export interface SurveyRecorder {
  /**
   * Writes the answers given so far inside the caller's transaction: the survey table's
   * row, the survey entry on the customer's timeline, and for a detractor an open
   * follow-up item. Repeating the same answers changes nothing.
   */
  record(tx: Prisma.TransactionClient, input: SurveyAnswerInput): Promise<RecordedAnswers>;
  /** After the commit: the supervisors' alert and the customer's experience score. Never throws. */
  announce(recorded: RecordedAnswers): Promise<void>;
}

const surveyKey = (callId: string) => `survey:${callId}`;
const followUpKey = (callId: string) => `survey-follow-up:${callId}`;

export function createSurveyRecorder(deps: {
  writersIn: (tx: Prisma.TransactionClient) => SurveyWriters;
  bus: Pick<EventBus, 'publish'>;
  /** Recomputes the customer's experience score (coalesced, in the background). */
  refreshExperience?: (customerId: string) => void;
  logger: Logger;
}): SurveyRecorder {
  /** The entry's summary brought up to date, or the entry written; `id` only when this wrote it. */
  async function entry(w: SurveyWriters, key: string, e: { customerId: string | null; type: string; status?: string; summary: string; callId: string; at: Date }): Promise<{ id?: string }> {
    // Revise first: inside a transaction, a repeated insert would abort it.
    if (await w.revisions.setSummary(key, e.summary, e.at)) return {};
    const written = await w.timeline.record({ idempotencyKey: key, customerId: e.customerId, phoneE164: null, channel: 'voice', type: e.type, status: e.status ?? null, at: e.at, summary: e.summary, callId: e.callId });
    return { id: written.item.id };
  }

  return {
    async record(tx, input) {
      const w = deps.writersIn(tx);
      const { answers } = input;
      await w.responses.save({ callId: input.callId, customerId: input.customerId, queue: input.queue, agentId: input.agentId, csat: answers.csat, nps: answers.nps, language: input.language, answeredAt: input.at });
      await entry(w, surveyKey(input.callId), { customerId: input.customerId, type: 'survey', summary: surveySummary(answers), callId: input.callId, at: input.at });
      if (!isDetractor(answers)) return { input };
      const followUp = await entry(w, followUpKey(input.callId), { customerId: input.customerId, type: 'follow_up', status: 'open', summary: followUpSummary(answers, input.queue), callId: input.callId, at: input.at });
      return followUp.id ? { input, openedFollowUp: { id: followUp.id } } : { input };
    },

    async announce({ input, openedFollowUp }) {
      if (openedFollowUp) {
        const alert: SurveyFollowUpAlert = {
          type: 'survey_follow_up',
          at: input.at.toISOString(),
          ...(input.customerId ? { customerId: input.customerId } : {}),
          callId: input.callId,
          followUpId: openedFollowUp.id,
          queue: input.queue,
          agentId: input.agentId,
          csat: input.answers.csat,
          nps: input.answers.nps,
          reason: surveySummary(input.answers),
        };
        // The follow-up is on the timeline already; a lost alert loses no record.
        await deps.bus.publish(SUPERVISOR_ALERT_CHANNEL, alert).catch((err: unknown) => deps.logger.warn({ err, callId: input.callId }, 'survey follow-up alert not published'));
      }
      if (input.customerId) deps.refreshExperience?.(input.customerId);
    },
  };
}
