import type { EventBus } from '../realtime/event-bus.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import { QUEUE_CHANNEL, type QueueChange } from './queue-events.js';
import type { QueueStore } from './queue-store.js';

/**
 * The caller hung up: a waiting call is abandoned (its open offers withdrawn), a connected
 * one sends its agent (and a warm hand-over's target) to wrap-up. `callbackLeg`: the end of a
 * callback's outbound leg.
 */
export async function endQueuedCall(
  deps: {
    queues: Pick<QueueStore, 'callEnded'>;
    now: () => Date;
    onReservation?: OnReservation;
    dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void>;
    /** An agent of the call has gone to wrap-up (routing asks the platform to wake it when that is over). */
    onWrapUp?: (agentId: string) => Promise<void>;
    bus?: Pick<EventBus, 'publish'>;
  },
  callId: string,
  opts: { callbackLeg?: boolean } = {},
): Promise<void> {
  const ended = await deps.queues.callEnded(callId, deps.now(), opts);
  if (!ended) return;
  for (const r of ended.cancelled) await deps.onReservation?.(reservationEvent('cancelled', r, ended.entry));
  for (const agentId of ended.wrapUpAgents) await deps.onWrapUp?.(agentId);
  void deps.bus?.publish(QUEUE_CHANNEL, { callId, queue: ended.entry.queue, change: 'left' } satisfies QueueChange);
  void deps.dispatch({ agentsChanged: true });
}
