import { AppError } from '../errors.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import type { Presence } from './presence.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import type { OnTransferFailed } from './transfer-call.js';

export interface ReleaseOfferDeps {
  queues: Pick<QueueStore, 'reservation' | 'release' | 'entry' | 'expired'>;
  now: () => Date;
  onReservation?: OnReservation;
  /** Missed offers in a row after which an agent is set away. */
  awayAfterMisses: number;
  /** A warm transfer's offer was declined or timed out: the first agent, who keeps the caller, is told. */
  onTransferFailed?: OnTransferFailed;
}

/** An offer of a call that is still with another agent was a warm transfer's: it fell through. */
async function warmTransferFell(deps: ReleaseOfferDeps, entry: QueueEntryRecord, r: { id: string; agentId: string }, reason: 'rejected' | 'timeout'): Promise<void> {
  if (entry.status !== 'assigned' || !entry.agentId || entry.agentId === r.agentId) return;
  await deps.onTransferFailed?.(entry.agentId, { callId: entry.callId, reservationId: r.id, agentId: r.agentId, reason });
}

/** The agent declines an offer: the call goes back in line (not to them again this step), the agent is free. */
export async function rejectOffer(
  deps: ReleaseOfferDeps & { presence: Pick<Presence, 'announce'>; dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void> },
  reservationId: string,
  agentId: string,
): Promise<void> {
  const r = await deps.queues.reservation(reservationId);
  if (!r) throw new AppError('NOT_FOUND', 'no such reservation');
  if (r.agentId !== agentId) throw new AppError('FORBIDDEN', 'this reservation was offered to another agent');
  const released = await deps.queues.release(reservationId, 'rejected', deps.now(), { awayAfterMisses: deps.awayAfterMisses });
  if (!released) throw new AppError('CONFLICT', `reservation is ${r.status}`);
  const entry = await deps.queues.entry(r.entryId);
  if (entry) await deps.onReservation?.({ ...reservationEvent('rejected', released.reservation, entry), agent: released.agent });
  if (entry) await warmTransferFell(deps, entry, r, 'rejected');
  await deps.presence.announce(agentId, released.agent.state, 'rejected').catch(() => {});
  void deps.dispatch({ agentsChanged: true });
}

/** Offers nobody answered in time go back in line; an agent who keeps missing them is set away. True if any expired. */
export async function timeOutOffers(deps: ReleaseOfferDeps, now: Date): Promise<boolean> {
  const expired = await deps.queues.expired(now, 100);
  for (const r of expired) {
    const released = await deps.queues.release(r.id, 'timeout', now, { awayAfterMisses: deps.awayAfterMisses });
    const entry = released && (await deps.queues.entry(r.entryId));
    if (released && entry) {
      await deps.onReservation?.({ ...reservationEvent('timeout', released.reservation, entry), agent: released.agent });
      await warmTransferFell(deps, entry, r, 'timeout');
    }
  }
  return expired.length > 0;
}
