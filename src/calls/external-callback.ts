import type { Logger } from '../logger.js';
import type { CallEventStore } from './call-events.js';
import type { CallRecord, Provider } from './types.js';

/** The provider's outbound call: it dials the customer, who then waits in `queue` without holding the line. */
export interface CallbackDialer {
  /**
   * Places the call once per `token`, however often it is asked (the provider's idempotency
   * token); throws `CallbackNotPlaceable` when nothing could place it (no queue id and no
   * number to call from), anything else when the provider refused or did not answer in time.
   */
  dial(input: { token: string; destination: string; dialled: string | null; queue: string; queueRef: string | null; language: 'ar' | 'en'; callId: string; providerCallId: string; customerId: string | null }, signal: AbortSignal): Promise<{ providerCallId: string }>;
}

export class CallbackNotPlaceable extends Error {
  override name = 'CallbackNotPlaceable';
}

/** What the flow is told: `placed` → say goodbye and hang up; otherwise keep the caller in line. */
export interface CallbackOutcome {
  placed: boolean;
  /** Tried and failed (refused, throttled to the end, out of time): the caller stays in line. */
  degraded: boolean;
}

export interface ExternalCallback {
  accept(input: { call: CallRecord; route: { queue: string; queueArn: string | null; callbackOffered: boolean }; language: 'ar' | 'en'; dialled: string | null; deadline: number; onPlaced(): void }): Promise<CallbackOutcome>;
}

/** Kept back from the answer's deadline for recording the placed call. */
const RECORD_MARGIN_MS = 150;

/**
 * A caller in a provider-run IVR accepted the callback their route offered: the provider dials
 * them back and they hang up. Once per call: the placed callback is the call's event
 * `flow:callback` (a retry answers from it), and the dialer's token is the call's own id at
 * the provider, so even two invocations racing place one call.
 */
export function createExternalCallback(deps: { provider: Provider; callEvents: Pick<CallEventStore, 'add' | 'find'>; dialer: CallbackDialer | undefined; now(): Date; logger: Logger }): ExternalCallback {
  const eventKey = 'flow:callback';
  return {
    async accept({ call, route, language, dialled, deadline, onPlaced }) {
      const stored = await deps.callEvents.find(call.id, eventKey);
      if (stored) {
        onPlaced();
        return { placed: true, degraded: false };
      }
      // What the caller was offered decides, not what the flow asks for.
      if (!route.callbackOffered) return { placed: false, degraded: false };
      // A withheld or unusable number: nobody to call back.
      if (!call.fromE164) return { placed: false, degraded: false };
      if (!deps.dialer) {
        deps.logger.warn({ callId: call.id }, 'callback accepted but none can be placed: CONNECT_CALLBACK_FLOW_ID (or the Connect instance) is not configured');
        return { placed: false, degraded: false };
      }
      const signal = AbortSignal.timeout(Math.max(0, deadline - RECORD_MARGIN_MS - Date.now()));
      let placed: { providerCallId: string };
      try {
        placed = await deps.dialer.dial(
          {
            token: `callback-${call.providerCallId}`,
            destination: call.fromE164,
            dialled,
            queue: route.queue,
            queueRef: route.queueArn,
            language,
            callId: call.id,
            providerCallId: call.providerCallId,
            customerId: call.customerId,
          },
          signal,
        );
      } catch (err) {
        if (err instanceof CallbackNotPlaceable) {
          deps.logger.warn({ callId: call.id, reason: err.message }, 'callback accepted but not placeable');
          return { placed: false, degraded: false };
        }
        // Out of time, the call may still have been placed: a retry of the invocation carries the same token and learns it.
        deps.logger.warn({ callId: call.id, err: { name: (err as Error)?.name, message: (err as Error)?.message }, timedOut: signal.aborted }, 'callback not placed: the caller stays in line');
        return { placed: false, degraded: true };
      }
      onPlaced();
      await deps.callEvents.add({ callId: call.id, key: eventKey, type: 'flow_callback', at: deps.now(), data: { queue: route.queue, outboundCallId: placed.providerCallId } });
      return { placed: true, degraded: false };
    },
  };
}
