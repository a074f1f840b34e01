import { eraseExperience } from '../analytics/experience/experience-store.js';
import { eraseSurveyResponses } from '../analytics/surveys/survey-response-store.js';
import type { VoiceBiometrics } from '../biometrics/voice-types.js';
import { erasePin } from '../biometrics/pin-store.js';
import { eraseCallEvents } from '../calls/call-events.js';
import { eraseCalls } from '../calls/call-repo.js';
import { eraseSurveySessions } from '../calls/survey-session-store.js';
import { customerErasure } from '../crm/customer-repo.js';
import { AppError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { eraseAgentMessages } from '../realtime/agent-messages.js';
import type { EventBus } from '../realtime/event-bus.js';
import { eraseQueueEntries } from '../routing/queue-store.js';
import { eraseSupervisorAlerts } from '../supervisor/alert-store.js';
import { eraseInteractions } from '../timeline/interaction-repo.js';
import { eraseConsents } from './consent-store.js';
import type { ErasureReceipt, ErasureStore, VoiceprintStatus } from './erasure-store.js';

/** Every node drops what it keeps in memory about an erased customer when this is published. */
export const ERASED_CHANNEL = 'privacy.erased';

export interface ErasedMessage {
  customerId: string;
  callIds: string[];
}

/** Who is being erased, as every part sees it. */
export interface ErasureSubject {
  customerId: string;
  /** Their numbers: what they did while unknown was logged under these. */
  phones: string[];
  /** Their calls (by customer or by number). */
  callIds: string[];
  at: Date;
}

/**
 * A module that keeps personal data in a table of its own adds a part (app.ts: `erasureParts`),
 * written in its own store file: it runs inside the erasure's transaction and answers how
 * many records it erased or anonymised. test/privacy/erasure.test.ts walks every table of the
 * schema for the erased person's traces, so a table nobody erases fails it.
 */
export interface ErasurePart {
  kind: string;
  erase(tx: Prisma.TransactionClient, subject: ErasureSubject): Promise<number>;
}

export interface CustomerErasure {
  /**
   * Erases the customer (DESIGN.md: DELETE /api/customers/:id). Repeating it answers the
   * stored receipt (trying the vendor again if it has not confirmed); NOT_FOUND for a customer
   * never known.
   */
  erase(customerId: string, by: string): Promise<ErasureReceipt>;
  /** Asks the vendor again for voiceprints still pending; returns how many are now confirmed. */
  retryPendingVoiceprints(limit?: number): Promise<number>;
}

export function createCustomerErasure(deps: {
  store: ErasureStore;
  /** Read at each erasure: voice biometrics may be wired after this is built, or not at all. */
  voice: () => VoiceBiometrics | undefined;
  bus: EventBus;
  now: () => Date;
  logger: Logger;
  parts?: readonly ErasurePart[];
}): CustomerErasure {
  async function forgetVoiceprint(customerId: string): Promise<VoiceprintStatus> {
    const voice = deps.voice();
    if (!voice) return 'none';
    try {
      const { speakerId, deleted } = await voice.forget(customerId, 'erasure');
      if (speakerId === null) return 'none';
      return deleted ? 'erased' : 'pending';
    } catch (err) {
      // The vendor is away: the receipt says pending and the privacy job asks again.
      deps.logger.warn({ err, customerId }, 'voiceprint deletion not confirmed yet');
      return 'pending';
    }
  }

  async function settleVoiceprint(receipt: ErasureReceipt): Promise<ErasureReceipt> {
    if (receipt.voiceprint !== 'pending') return receipt;
    const status = await forgetVoiceprint(receipt.customerId);
    if (status === 'pending') return receipt;
    return (await deps.store.setVoiceprint(receipt.customerId, status, deps.now())) ?? receipt;
  }

  return {
    async erase(customerId, by) {
      const at = deps.now();
      let callIds: string[] = [];
      const receipt = await deps.store.erase({ customerId, by, at, voiceprint: deps.voice() ? 'pending' : 'none' }, async (tx) => {
        const customer = await customerErasure.lock(tx, customerId);
        if (!customer) return undefined;
        const calls = await eraseCalls(tx, { customerId, phones: customer.phones });
        callIds = calls.callIds;
        const subject: ErasureSubject = { customerId, phones: customer.phones, callIds, at };
        const counts: Record<string, number> = { calls: calls.calls, ivrSteps: calls.ivrSteps };
        counts.interactions = await eraseInteractions(tx, subject);
        counts.callEvents = await eraseCallEvents(tx, callIds);
        counts.screenPops = await eraseAgentMessages(tx, callIds);
        counts.queueEntries = await eraseQueueEntries(tx, subject);
        counts.consents = await eraseConsents(tx, customerId);
        counts.pin = await erasePin(tx, customerId);
        counts.surveySessions = await eraseSurveySessions(tx, subject);
        counts.surveyResponses = await eraseSurveyResponses(tx, subject);
        counts.experienceScore = await eraseExperience(tx, customerId);
        counts.supervisorAlerts = await eraseSupervisorAlerts(tx, subject);
        for (const part of deps.parts ?? []) counts[part.kind] = await part.erase(tx, subject);
        // Last: the consent and PIN rows above would otherwise go by cascade, uncounted.
        const record = await customerErasure.erase(tx, customerId);
        return { profile: record.profile, phones: record.phones, ...counts };
      });
      if (!receipt) {
        const earlier = await deps.store.find(customerId);
        if (!earlier) throw new AppError('NOT_FOUND', 'no such customer');
        return settleVoiceprint(earlier);
      }
      // Caller memos and pop contexts on every node (this one's too, through the bus).
      await deps.bus.publish(ERASED_CHANNEL, { customerId, callIds } satisfies ErasedMessage);
      deps.logger.info({ customerId, erased: receipt.erased }, 'customer erased');
      return settleVoiceprint(receipt);
    },

    async retryPendingVoiceprints(limit = 100) {
      if (!deps.voice()) return 0;
      let confirmed = 0;
      for (const customerId of await deps.store.pendingVoiceprints(limit)) {
        const receipt = await deps.store.find(customerId);
        if (receipt && (await settleVoiceprint(receipt)).voiceprint !== 'pending') confirmed += 1;
      }
      return confirmed;
    },
  };
}
