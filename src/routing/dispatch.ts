import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { servesQueue } from './serves-queue.js';
import { currentRequirements } from './entry-requirements.js';
import type { FreeAgents } from './free-agents.js';
import type { OfferNotice } from './make-offer.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import type { RuleStore } from './rule-store.js';
import { selectAgent } from './rules/index.js';

export interface DispatchDeps {
  queues: Pick<QueueStore, 'waiting' | 'reserve' | 'updateStep'>;
  rules: RuleStore;
  free: FreeAgents;
  logger: Logger;
  now: () => Date;
  offerTimeoutMs: number;
  /** What to tell the agent about a new offer (the screen pop); stored in the offer's own commit. */
  noticeFor?: (offer: { reservationId: string; agentId: string; entry: QueueEntryRecord; now: Date; expiresAt: Date }) => Promise<OfferNotice>;
  onReservation?: OnReservation;
  /**
   * True while writes kept during a store outage are still being replayed: no offers until
   * then, since one of them may be the end of a call that is still in line.
   */
  holdOffers?: () => boolean;
}

export interface Dispatcher {
  /** Offers waiting calls to free agents; concurrent calls on one node coalesce. `agentsChanged` after a presence change. */
  dispatch(opts?: { agentsChanged?: boolean }): Promise<void>;
  /** Resolves once no pass is running. */
  idle(): Promise<void>;
}

/** The dispatch pass: waiting calls, in queue order, matched to free agents and offered. */
export function createDispatcher(deps: DispatchDeps): Dispatcher {
  let running: Promise<void> | undefined;
  let again = false;

  async function offer(entry: QueueEntryRecord, agentId: string, now: Date): Promise<void> {
    const o = { reservationId: randomUUID(), agentId, entry, now, expiresAt: new Date(now.getTime() + deps.offerTimeoutMs) };
    const notice = await deps.noticeFor?.(o);
    const reservation = await deps.queues.reserve({ id: o.reservationId, entryId: entry.id, agentId, now, expiresAt: o.expiresAt, notice });
    if (reservation) await deps.onReservation?.({ ...reservationEvent('created', reservation, entry), message: reservation.message });
  }

  /**
   * Matches the waiting calls to free agents in memory, in queue order, then makes all the
   * offers at once: a pass costs one database round trip however many calls it offers,
   * which is what keeps a burst of calls from queueing behind each other's writes.
   */
  async function dispatchOnce(): Promise<void> {
    const now = deps.now();
    const waiting = await deps.queues.waiting(500);
    if (waiting.length === 0) return;
    const snapshot = await deps.free.get(now);
    const taken = new Set<string>();
    const offers: Array<Promise<void>> = [];
    for (const raw of waiting) {
      if (taken.size >= snapshot.agents.length) break;
      const { entry, req, decision } = await currentRequirements(deps, raw, now);
      const excluded = new Set(entry.excludedAgents);
      // Transferred to a named agent: theirs alone (whatever their queues and skills) until
      // they decline or miss it; then the queue the call is in serves it as usual.
      const named = decision.onlyAgentId !== undefined && !excluded.has(decision.onlyAgentId) ? decision.onlyAgentId : undefined;
      const candidates = snapshot.agents.filter((a) => !taken.has(a.id) && (named !== undefined ? a.id === named : servesQueue(a, req.queue)));
      const agent = selectAgent(
        candidates,
        named !== undefined
          ? { skills: {}, excludeAgentIds: excluded }
          : { skills: req.skills, language: entry.language, preferAgentId: decision.preferLastAgent?.agentId, excludeAgentIds: excluded },
      );
      if (!agent) continue;
      taken.add(agent.id);
      deps.free.offered(agent.id);
      offers.push(offer(entry, agent.id, now));
    }
    // Offered now, or taken by another node meanwhile: either way not free any more.
    snapshot.agents = snapshot.agents.filter((a) => !taken.has(a.id));
    for (const r of await Promise.allSettled(offers)) {
      if (r.status === 'rejected') deps.logger.error({ err: r.reason }, 'offer failed');
    }
  }

  return {
    dispatch(opts = {}) {
      if (opts.agentsChanged) deps.free.forget();
      if (deps.holdOffers?.()) return Promise.resolve();
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          do {
            again = false;
            await dispatchOnce();
          } while (again);
        } catch (err) {
          deps.logger.error({ err }, 'dispatch failed');
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    async idle() {
      await running;
    },
  };
}
