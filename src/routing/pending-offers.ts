import { reservationEvent, type ReservationEvent } from './offer-events.js';
import type { QueueStore } from './queue-store.js';

/** The agent's offers still open, oldest first (a softphone that reloads shows them). */
export async function pendingOffers(deps: { queues: Pick<QueueStore, 'pendingFor' | 'entry'> }, agentId: string): Promise<ReservationEvent[]> {
  const out: ReservationEvent[] = [];
  for (const r of await deps.queues.pendingFor(agentId)) {
    const entry = await deps.queues.entry(r.entryId);
    if (entry) out.push(reservationEvent('created', r, entry));
  }
  return out;
}
