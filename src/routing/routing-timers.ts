/** Why routing asked to be woken: an offer's deadline, an escalation step, the end of a wrap-up. */
export type WakeReason = 'offer_timeout' | 'escalation' | 'wrap_up';

/**
 * Routing's alarms. Server mode needs none: its tick runs every second (routing-tick.ts).
 * Where nothing runs between requests (Lambda), each deadline routing creates asks the
 * platform for a tick at that time (SQS delay messages: src/serverless/sqs-timers.ts).
 * A tick is idempotent, so a wake-up that comes twice, or late, is harmless.
 */
export interface RoutingTimers {
  wakeAt(due: Date, reason: WakeReason, ref: string): Promise<void>;
}
