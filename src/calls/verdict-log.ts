/**
 * What a verification verdict leaves behind, whichever provider ran the IVR (our Twilio flow's
 * verify node or Amazon Connect's contact flow): supervisors hear of suspected fraud at once,
 * and the caller's timeline says how the call was verified.
 */
import { verificationSummary, type FraudReason } from '../biometrics/verify-policy.js';
import type { PinReason, Verification } from '../ivr/types.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import { SUPERVISOR_ALERT_CHANNEL } from '../supervisor/alert-events.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';

/** On `supervisor.alert`: no number, no name — the supervisor opens the call to see who. */
export interface FraudAlert {
  type: 'fraud_suspected';
  at: string;
  callId: string;
  queue?: string;
  reason: FraudReason;
}

export interface VerdictLogDeps {
  timeline: Pick<InteractionRepo, 'record'>;
  bus: Pick<EventBus, 'publish'>;
  logger: Logger;
}

export interface Verdict {
  callId: string;
  customerId: string | null;
  /** Which verification of the call this is (a flow may verify more than once): the timeline entry's key. */
  step: string;
  verification: Verification;
  at: Date;
  fraud?: FraudReason;
  pinReason?: PinReason;
  /** This verdict locked the caller's PIN. */
  lockedNow?: boolean;
}

export interface VerdictLog {
  record(v: Verdict): Promise<void>;
  /** A timeline entry of the call's caller; its failure is logged, never the caller's problem. */
  note(customerId: string, callId: string, key: string, type: string, at: Date, summary: string): Promise<void>;
}

export function createVerdictLog(deps: VerdictLogDeps): VerdictLog {
  async function note(customerId: string, callId: string, key: string, type: string, at: Date, summary: string): Promise<void> {
    try {
      await deps.timeline.record({ idempotencyKey: key, customerId, phoneE164: null, channel: 'voice', type, at, summary });
    } catch (err) {
      deps.logger.error({ err, callId, type }, 'verification timeline entry not written');
    }
  }

  return {
    note,
    async record(v) {
      if (v.fraud) {
        const alert: FraudAlert = { type: 'fraud_suspected', at: v.at.toISOString(), callId: v.callId, reason: v.fraud };
        await deps.bus.publish(SUPERVISOR_ALERT_CHANNEL, alert).catch((err: unknown) => deps.logger.error({ err, callId: v.callId }, 'fraud alert not published'));
      }
      if (!v.customerId) return;
      await note(v.customerId, v.callId, `verification:${v.callId}:${v.step}`, 'verification', v.at, verificationSummary(v.verification, v));
      if (v.lockedNow) await note(v.customerId, v.callId, `pin-locked:${v.callId}`, 'pin_locked', v.at, 'PIN locked after too many wrong attempts in the IVR');
    },
  };
}
