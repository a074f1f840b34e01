import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/instruments.js';
import type { AgentMessageStore } from '../realtime/agent-messages.js';
import type { AgentHub } from '../realtime/agent-hub.js';
import type { OfferNotice } from '../routing/make-offer.js';
import type { ReservationEvent } from '../routing/routing-service.js';
import { buildScreenPop, type PopOffer } from './build-pop.js';
import type { PopContextCache } from './pop-context.js';
import type { SentimentSummarizer } from './types.js';

export interface PopPipeline {
  /** The pop for an offer about to be made; routing stores it in the offer's own commit. */
  noticeFor(offer: PopOffer): Promise<OfferNotice>;
  /** Runs on the node whose routing made the change, once per event. */
  onReservation(ev: ReservationEvent): Promise<void>;
  /** The agent's softphone acknowledged a message; for a pop, its delivery goes on the call's record. */
  acknowledge(agentId: string, messageId: string): Promise<void>;
}

/**
 * Offer -> pop on the agent's sockets; offer closed -> update. Every step is stored first
 * (durable message, call event) so a reconnect replays it and the timeline shows it.
 *
 * The pop is built before the offer exists, from memory, and written by the same statement
 * that makes the offer: from that commit to the agent's socket nothing waits on the database.
 */
export function createPopPipeline(deps: {
  db: Db;
  messages: AgentMessageStore;
  hub: Pick<AgentHub, 'deliver'>;
  context: PopContextCache;
  summarize: SentimentSummarizer;
  logger: Logger;
  now: () => Date;
  metrics?: Pick<Metrics, 'popsSent' | 'popsAcked' | 'countOfferOutcome'>;
}): PopPipeline {
  async function callEvent(callId: string, key: string, type: string, data: Record<string, string>): Promise<void> {
    // Insert-or-nothing in one statement (an upsert with nothing to update is a transaction of four).
    await deps.db.callEvent.createMany({ data: [{ callId, key, type, at: deps.now(), data }], skipDuplicates: true });
  }

  async function send(agentId: string, type: string, payload: Record<string, unknown>, ref: string): Promise<void> {
    const message = await deps.messages.append(agentId, type, payload, ref);
    await deps.hub.deliver(agentId, message);
  }

  return {
    async noticeFor(offer) {
      const context = await deps.context.get(offer.entry.callId).catch((err: unknown) => {
        deps.logger.warn({ err: err instanceof Error ? err.message : String(err), callId: offer.entry.callId }, 'screen pop context unavailable: pop sent incomplete');
        return undefined;
      });
      const pop = buildScreenPop(offer, context, deps.summarize);
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
        if (ev.type === 'accepted') await callEvent(ev.callId, `accepted:${ev.reservationId}`, 'accepted', { agentId: ev.agentId, reservationId: ev.reservationId });
        // Routing says what it made the agent; only a cancellation (the caller hung up) leaves it to be read.
        const agent =
          ev.agent ??
          (await deps.db.agent.findUnique({ where: { id: ev.agentId }, select: { state: true, stateReason: true } }).then((a) => a && { state: a.state, reason: a.stateReason }));
        if (agent) await deps.hub.deliver(ev.agentId, { type: 'presence', ...agent, at: deps.now().toISOString() });
      } catch (err) {
        deps.logger.error({ err: err instanceof Error ? err.message : String(err), type: ev.type, reservationId: ev.reservationId }, 'screen pop pipeline failed');
      }
    },

    async acknowledge(agentId, messageId) {
      // One statement: the ack (a repeat keeps the first time) and, for a pop, its delivery on
      // the call's record — the call found through the reservation the pop is about.
      const at = sqlTime(deps.now());
      // The count is of pop_delivered events written: 1 for a pop's first ack, 0 otherwise.
      const delivered = await deps.db.$executeRaw`
        WITH m AS (
          UPDATE "AgentMessage" SET "ackedAt" = COALESCE("ackedAt", ${at}::timestamp)
          WHERE "id" = ${messageId} AND "agentId" = ${agentId} RETURNING "type", "ref"
        )
        INSERT INTO "CallEvent" ("id", "callId", "key", "type", "at", "data")
        SELECT ${randomUUID()}, q."callId", 'delivered:' || m."ref", 'pop_delivered', ${at}::timestamp,
               jsonb_build_object('agentId', ${agentId}::text, 'reservationId', m."ref")
        FROM m JOIN "Reservation" r ON r."id" = m."ref" JOIN "QueueEntry" q ON q."id" = r."entryId"
        WHERE m."type" = 'screen_pop'
        ON CONFLICT ("callId", "key") DO NOTHING`;
      if (delivered > 0) deps.metrics?.popsAcked.inc(delivered);
    },
  };
}
