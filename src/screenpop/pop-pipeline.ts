import type { CallEventStore } from '../calls/call-events.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/instruments.js';
import type { AgentMessageStore } from '../realtime/agent-messages.js';
import type { AgentPush } from '../realtime/agent-push.js';
import type { AgentStateStore } from '../routing/agent-state-store.js';
import type { OfferNotice } from '../routing/make-offer.js';
import type { ReservationEvent } from '../routing/offer-events.js';
import { buildScreenPop, type PopOffer } from './build-pop.js';
import type { PopAckStore } from './pop-ack-store.js';
import type { PopContextCache } from './pop-context.js';
import type { SentimentSummarizer } from './types.js';

export interface PopPipeline {
  /** The pop for an offer about to be made; routing stores it in the offer's own commit. */
  noticeFor(offer: PopOffer): Promise<OfferNotice>;
  /** Runs on the node whose routing made the change, once per event. */
  onReservation(ev: ReservationEvent): Promise<void>;
  /** The agent's softphone acknowledged a message; for a pop, its delivery goes on the call's record. */
  acknowledge(agentId: string, messageId: string): Promise<void>;
  /** Tells the agent's softphone the state routing moved them to without an offer (a call's end: wrap-up; its end). */
  announceState(agentId: string): Promise<void>;
  /** Tells an agent their warm transfer fell through (they keep the caller): a durable `transfer_failed`. */
  transferFailed(agentId: string, failure: { callId: string; reservationId: string; agentId: string; reason: string }): Promise<void>;
}

/**
 * Offer -> pop on the agent's sockets; offer closed -> update. Every step is stored first
 * (durable message, call event) so a reconnect replays it and the timeline shows it.
 *
 * The pop is built before the offer exists, from memory, and written by the same statement
 * that makes the offer: from that commit to the agent's socket nothing waits on the database.
 */
export function createPopPipeline(deps: {
  messages: Pick<AgentMessageStore, 'append'>;
  callEvents: CallEventStore;
  acks: PopAckStore;
  agentState: Pick<AgentStateStore, 'current'>;
  /** The ws hubs over the bus (server mode) or API Gateway's connections (Lambda). */
  hub: AgentPush;
  context: PopContextCache;
  summarize: SentimentSummarizer;
  logger: Logger;
  now: () => Date;
  metrics?: Pick<Metrics, 'popsSent' | 'popsAcked' | 'countOfferOutcome'>;
  /** A pop shows the customer to the offered agent: the access log notes it (issue 12). */
  onCustomerShown?: (customerId: string, agentId: string) => void;
}): PopPipeline {
  async function send(agentId: string, type: string, payload: Record<string, unknown>, ref: string): Promise<void> {
    const message = await deps.messages.append(agentId, type, payload, ref);
    await deps.hub.deliver(agentId, message);
  }

  return {
    async noticeFor(offer) {
      const context = await deps.context.get(offer.entry.callId).catch((err: unknown) => {
        deps.logger.warn({ err, callId: offer.entry.callId }, 'screen pop context unavailable: pop sent incomplete');
        return undefined;
      });
      const pop = buildScreenPop(offer, context, deps.summarize);
      if (context?.customer) deps.onCustomerShown?.(context.customer.id, offer.agentId);
      return {
        type: 'screen_pop',
        payload: pop as unknown as Record<string, unknown>,
        callEvent: { key: `pop:${offer.reservationId}`, type: 'pop_sent', data: { agentId: offer.agentId, reservationId: offer.reservationId } },
      };
    },

    async onReservation(ev) {
      if (ev.type !== 'created') deps.metrics?.countOfferOutcome(ev.type);
      try {
        if (ev.type === 'created') {
          if (ev.message) {
            await deps.hub.deliver(ev.agentId, ev.message);
            deps.metrics?.popsSent.inc();
          }
          return;
        }
        await send(ev.agentId, 'reservation', { reservationId: ev.reservationId, status: ev.type, agentId: ev.agentId, callId: ev.callId }, ev.reservationId);
        if (ev.type === 'accepted') {
          await deps.callEvents.record({ callId: ev.callId, key: `accepted:${ev.reservationId}`, type: 'accepted', at: deps.now(), data: { agentId: ev.agentId, reservationId: ev.reservationId, queue: ev.queue } });
        }
        // Routing says what it made the agent; only a cancellation (the caller hung up) leaves it to be read.
        const agent = ev.agent ?? (await deps.agentState.current(ev.agentId));
        if (agent) await deps.hub.deliver(ev.agentId, { type: 'presence', ...agent, at: deps.now().toISOString() });
      } catch (err) {
        deps.logger.error({ err, type: ev.type, reservationId: ev.reservationId }, 'screen pop pipeline failed');
      }
    },

    async announceState(agentId) {
      try {
        const agent = await deps.agentState.current(agentId);
        if (agent) await deps.hub.deliver(agentId, { type: 'presence', ...agent, at: deps.now().toISOString() });
      } catch (err) {
        // The softphone reads the state again at its next hello: never fail the call's end over it.
        deps.logger.warn({ err, agentId }, 'presence not sent to the softphone');
      }
    },

    async transferFailed(agentId, failure) {
      try {
        await send(agentId, 'transfer_failed', { callId: failure.callId, reason: failure.reason, to: failure.agentId }, failure.reservationId);
      } catch (err) {
        deps.logger.error({ err, callId: failure.callId }, 'transfer_failed not sent to the softphone');
      }
    },

    async acknowledge(agentId, messageId) {
      const delivered = await deps.acks.acknowledge(agentId, messageId, deps.now());
      if (delivered > 0) deps.metrics?.popsAcked.inc(delivered);
    },
  };
}
