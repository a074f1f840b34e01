import { AppError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import type { TChannel } from '../timeline/schemas.js';
import type { ConsentState, TConsentChannel, TPurpose } from './consent-schemas.js';
import type { ConsentStore } from './consent-store.js';

const PURPOSE_LABEL: Record<TPurpose, string> = {
  voice_biometrics: 'voice biometrics',
  call_recording: 'call recording',
  survey: 'surveys',
  marketing: 'marketing',
};

/**
 * The timeline has no channel for self-service or system-to-system changes. An answer in
 * the IVR or to an agent was given on a call (voice); one from the website or another
 * system's API was written, not spoken, so it goes under chat, the timeline's digital
 * channel. The summary names the exact channel either way.
 */
const TIMELINE_CHANNEL: Record<TConsentChannel, TChannel> = { ivr: 'voice', agent: 'voice', web: 'chat', api: 'chat' };

/** "Consent to voice biometrics granted (ivr, text v3)". */
export function consentSummary(c: { purpose: TPurpose; granted: boolean; channel: TConsentChannel; textVersion: string }): string {
  // "3" reads as "v3"; a named version ("vb-ivr-1", "survey-ivr-2") is shown as written.
  const version = /^\d/.test(c.textVersion) ? `v${c.textVersion}` : c.textVersion;
  return `Consent to ${PURPOSE_LABEL[c.purpose]} ${c.granted ? 'granted' : 'withdrawn'} (${c.channel}, text ${version})`;
}

/** The caller's standing answer for a purpose: never asked is neither a yes nor a no. */
export function standingAnswer(consents: ConsentState[], purpose: TPurpose): 'granted' | 'declined' | 'none' {
  const standing = consents.find((c) => c.purpose === purpose);
  return standing ? (standing.granted ? 'granted' : 'declined') : 'none';
}

export interface ConsentChange {
  customerId: string;
  purpose: TPurpose;
  granted: boolean;
  channel: TConsentChannel;
  textVersion: string;
  /** Who recorded it (a token's subject). */
  by: string;
}

export interface ConsentRegister {
  /**
   * Records a grant or a withdrawal with its timeline entry, in one transaction.
   * Repeating the standing answer (same granted, channel, text version) stores nothing and
   * returns it with `changed: false`. Throws NOT_FOUND for an unknown customer.
   */
  recordConsent(change: ConsentChange): Promise<{ consent: ConsentState; changed: boolean }>;
  /** The standing answer per purpose. */
  latestConsents(customerId: string): Promise<ConsentState[]>;
  /** True only when the customer's last answer for the purpose is a grant (never asked means no). */
  allows(customerId: string, purpose: TPurpose): Promise<boolean>;
}

/** The consent register's use cases, for the API and the IVR's consent prompts alike. */
export function createConsentRegister(deps: {
  consents: ConsentStore;
  /** The timeline's writer bound to a transaction (app.ts: createInteractionRepo). */
  timelineIn: (tx: Prisma.TransactionClient) => InteractionRepo;
  now: () => Date;
  /**
   * Runs after the answer is committed, for a repeat too (`changed: false`): what the answer
   * sets in motion (a withdrawal deleting the voiceprint) must happen even if the first
   * attempt failed after the commit, and a repeated answer is how a client retries.
   */
  onChange?: (answer: { customerId: string; purpose: TPurpose; granted: boolean; changed: boolean }) => Promise<void>;
}): ConsentRegister {
  return {
    async recordConsent(change) {
      const at = deps.now();
      const result = await deps.consents.append({ ...change, at }, async (tx, id) => {
        // Keyed by the register row: a retried transaction writes one entry per change.
        await deps.timelineIn(tx).record({
          idempotencyKey: `consent:${id}`,
          customerId: change.customerId,
          phoneE164: null,
          channel: TIMELINE_CHANNEL[change.channel],
          type: 'consent',
          at,
          summary: consentSummary(change),
        });
      });
      if (result.kind === 'no_customer') throw new AppError('NOT_FOUND', 'no such customer');
      const changed = result.kind === 'recorded';
      await deps.onChange?.({ customerId: change.customerId, purpose: result.consent.purpose, granted: result.consent.granted, changed });
      return { consent: result.consent, changed };
    },

    latestConsents: (customerId) => deps.consents.latest(customerId),

    allows: async (customerId, purpose) => standingAnswer(await deps.consents.latest(customerId), purpose) === 'granted',
  };
}
