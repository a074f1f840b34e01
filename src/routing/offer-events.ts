import type { AgentMessage } from '../realtime/agent-messages.js';
import type { AgentPresence } from './agent-state-store.js';
import type { QueueEntryRecord, ReservationRecord } from './queue-store.js';

/** An offer made or closed, as the screen pop pipeline (and the reservations API) see it. */
export interface ReservationEvent {
  type: 'created' | 'accepted' | 'rejected' | 'timeout' | 'cancelled';
  reservationId: string;
  agentId: string;
  entryId: string;
  callId: string;
  queue: string;
  enqueuedAt: string;
  expiresAt: string;
  /** The agent's stored notice of a new offer (the screen pop), to deliver as is. */
  message?: AgentMessage;
  /** The agent's state after the change, when routing made it (so nobody reads it back). */
  agent?: AgentPresence;
}

/** Runs once, on the node that made the change, for every offer change (the screen pop pipeline). */
export type OnReservation = (ev: ReservationEvent) => Promise<void>;

/** The event for an offer `r` of the entry `e`. */
export function reservationEvent(type: ReservationEvent['type'], r: ReservationRecord, e: QueueEntryRecord): ReservationEvent {
  return {
    type,
    reservationId: r.id,
    agentId: r.agentId,
    entryId: e.id,
    callId: e.callId,
    queue: e.queue,
    enqueuedAt: e.enqueuedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
  };
}
