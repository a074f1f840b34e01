import type { EventBus } from '../realtime/event-bus.js';
import type { OnReservation, ReservationEvent } from './offer-events.js';

/**
 * On the bus: a caller joined a line, was offered, answered or left it. Live views (the
 * supervisors' wallboard) refresh on it; nothing depends on it arriving (delivery is at most
 * once, and the views also re-read on a timer).
 */
export const QUEUE_CHANNEL = 'routing.queue';

export interface QueueChange {
  callId: string;
  queue: string;
  change: 'joined' | 'left' | ReservationEvent['type'];
}

/** Runs `onReservation` (the screen pop pipeline), then tells the live views an offer changed. */
export function announcingOffers(bus: Pick<EventBus, 'publish'>, onReservation: OnReservation): OnReservation {
  return async (ev) => {
    await onReservation(ev);
    void bus.publish(QUEUE_CHANNEL, { callId: ev.callId, queue: ev.queue, change: ev.type } satisfies QueueChange);
  };
}
