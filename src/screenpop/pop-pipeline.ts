import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AgentMessageStore } from '../realtime/agent-messages.js';
import type { AgentHub } from '../realtime/agent-hub.js';
import type { ReservationEvent } from '../routing/routing-service.js';
import { buildScreenPop } from './build-pop.js';
import type { PopContextCache } from './pop-context.js';
import type { SentimentSummarizer } from './types.js';

export interface PopPipeline {
  /** Runs on the node whose routing made the change, once per event. */
  onReservation(ev: ReservationEvent): Promise<void>;
  /** The agent's softphone acknowledged a message: a pop's delivery goes on the call's record. */
  onAck(agentId: string, acked: { type: string; ref: string | null }): Promise<void>;
}

/**
 * Offer -> pop on the agent's sockets; offer closed -> update. Every step is stored first
 * (durable message, call event) so a reconnect replays it and the timeline shows it.
 */
export function createPopPipeline(deps: {
  db: Db;
  messages: AgentMessageStore;
  hub: Pick<AgentHub, 'deliver'>;
  context: PopContextCache;
  summarize: SentimentSummarizer;
  logger: Logger;
  now: () => Date;
}): PopPipeline {
  async function callEvent(callId: string, key: string, type: string, data: Record<string, string>): Promise<void> {
    await deps.db.callEvent.upsert({ where: { callId_key: { callId, key } }, create: { callId, key, type, at: deps.now(), data }, update: {} });
  }

  async function send(agentId: string, type: string, payload: Record<string, unknown>, ref: string): Promise<void> {
    const message = await deps.messages.append(agentId, type, payload, ref);
    await deps.hub.deliver(agentId, message);
  }

  return {
    async onReservation(ev) {
      try {
        if (ev.type === 'created') {
          const pop = await buildScreenPop(deps, ev);
          await send(ev.agentId, 'screen_pop', pop as unknown as Record<string, unknown>, ev.reservationId);
          await callEvent(ev.callId, `pop:${ev.reservationId}`, 'pop_sent', { agentId: ev.agentId, reservationId: ev.reservationId });
          return;
        }
        await send(ev.agentId, 'reservation', { reservationId: ev.reservationId, status: ev.type, agentId: ev.agentId, callId: ev.callId }, ev.reservationId);
        if (ev.type === 'accepted') await callEvent(ev.callId, `accepted:${ev.reservationId}`, 'accepted', { agentId: ev.agentId, reservationId: ev.reservationId });
        const agent = await deps.db.agent.findUnique({ where: { id: ev.agentId }, select: { state: true, stateReason: true } });
        if (agent) await deps.hub.deliver(ev.agentId, { type: 'presence', state: agent.state, reason: agent.stateReason, at: deps.now().toISOString() });
      } catch (err) {
        deps.logger.error({ err: err instanceof Error ? err.message : String(err), type: ev.type, reservationId: ev.reservationId }, 'screen pop pipeline failed');
      }
    },

    async onAck(agentId, acked) {
      if (acked.type !== 'screen_pop' || !acked.ref) return;
      const reservation = await deps.db.reservation.findUnique({ where: { id: acked.ref }, include: { entry: { select: { callId: true } } } });
      if (reservation) await callEvent(reservation.entry.callId, `delivered:${acked.ref}`, 'pop_delivered', { agentId, reservationId: acked.ref });
    },
  };
}
