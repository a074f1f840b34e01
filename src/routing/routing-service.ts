import { randomUUID } from 'node:crypto';
import type { AgentMessage } from '../realtime/agent-messages.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { CallBridge } from './call-bridge.js';
import type { Presence } from './presence.js';
import type { AgentPresence, AgentStateStore } from './agent-state-store.js';
import type { OfferNotice } from './make-offer.js';
import type { QueueEntryRecord, QueueStore, ReservationRecord } from './queue-store.js';
import type { RuleStore } from './rule-store.js';
import { decide, fillContextDefaults, requirementsAt, selectAgent, type AgentSnapshot, type Decision, type RoutingContextInput } from './rules/index.js';
import { servesQueue } from './agent-snapshots.js';
import type { AgentRepo } from './agent-repo.js';
import { withIvrQueue } from './ivr-queue.js';
import { PRESENCE_CHANNEL } from './presence.js';

export const RESERVATION_CHANNEL = 'routing.reservation';

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

export interface RoutingOptions {
  offerTimeoutMs: number;
  /** Missed offers in a row after which an agent is set away. */
  awayAfterMisses: number;
  tickMs: number;
  /** How long a read of the free agents may be reused between presence changes. */
  agentsTtlMs: number;
  /** How often the tick also reconciles calls and agents. */
  reconcileMs: number;
}

export interface RoutingService {
  /** The decision for a call leaving the IVR (pure, from the compiled active rules). */
  route(ctx: RoutingContextInput, opts?: { customerId?: string; now?: Date }): Promise<Decision>;
  /** Puts the call in line (idempotent per call) and tries to offer it at once; undefined when the call has ended. */
  enqueue(input: { callId: string; customerId: string | null; language: string; decision: Decision; context: RoutingContextInput }): Promise<QueueEntryRecord | undefined>;
  accept(reservationId: string, agentId: string): Promise<{ entry: QueueEntryRecord }>;
  reject(reservationId: string, agentId: string): Promise<void>;
  callEnded(callId: string, opts?: { callbackLeg?: boolean }): Promise<void>;
  requestCallback(callId: string, number: string): Promise<QueueEntryRecord | undefined>;
  queueStatus(callId: string): Promise<{ entry: QueueEntryRecord; position: number; estimatedWaitSeconds: number; offerCallback: boolean } | undefined>;
  pendingFor(agentId: string): Promise<ReservationEvent[]>;
  /** Offers waiting calls to free agents; concurrent calls on one node coalesce. `agentsChanged` after a presence change. */
  dispatch(opts?: { agentsChanged?: boolean }): Promise<void>;
  /** Timeouts, wrap-ups, escalation steps, then a dispatch. */
  tick(): Promise<void>;
  /** Ends what ended calls left in line and frees agents stranded without an offer or call. */
  reconcile(): Promise<{ endedCalls: string[]; freedAgents: Array<{ agentId: string; state: string }> }>;
  start(): void;
  stop(): Promise<void>;
}

export function createRoutingService(deps: {
  queues: QueueStore;
  agents: Pick<AgentRepo, 'get'>;
  agentState: AgentStateStore;
  rules: RuleStore;
  presence: Presence;
  bridge: CallBridge;
  bus: EventBus;
  logger: Logger;
  now: () => Date;
  options?: Partial<RoutingOptions>;
  /** What to tell the agent about a new offer (the screen pop); stored in the offer's own commit. */
  noticeFor?: (offer: { reservationId: string; agentId: string; entry: QueueEntryRecord; now: Date; expiresAt: Date }) => Promise<OfferNotice>;
  /** Runs once, on this node, for every offer change (the screen pop pipeline). */
  onReservation?: (ev: ReservationEvent) => Promise<void>;
  /**
   * True while writes kept during a store outage are still being replayed: no offers until
   * then, since one of them may be the end of a call that is still in line.
   */
  holdOffers?: () => boolean;
}): RoutingService {
  const opts: RoutingOptions = { offerTimeoutMs: 15_000, awayAfterMisses: 2, tickMs: 1000, agentsTtlMs: 1000, reconcileMs: 10_000, ...deps.options };
  let reconciledAt = 0;
  let running: Promise<void> | undefined;
  let again = false;
  // Free agents as last read. Re-reading thousands of agent rows for every arriving call
  // would cost more than the decision itself; the conditional UPDATE in reserve() is what
  // keeps offers correct, so a stale entry only costs one failed attempt. Dropped on any
  // presence change seen here or on the bus (the next pass reads again before offering);
  // past `agentsTtlMs` it is refreshed in the background, so no caller's offer waits on
  // that read. Agents offered while a refresh is in flight are left out of its result.
  let free: { readAt: number; agents: Array<AgentSnapshot & { queues: string[] }> } | undefined;
  let refreshing: Promise<void> | undefined;
  const offeredDuringRefresh = new Set<string>();
  const forgetAgents = () => {
    free = undefined;
  };
  const unsubscribe = deps.bus.subscribe(PRESENCE_CHANNEL, forgetAgents);
  async function readAgents(at: number): Promise<void> {
    offeredDuringRefresh.clear();
    const agents = await deps.agentState.free();
    free = { readAt: at, agents: agents.filter((a) => !offeredDuringRefresh.has(a.id)) };
  }
  async function freeAgents(now: Date) {
    const at = now.getTime();
    if (!free || at < free.readAt) await readAgents(at);
    else if (at - free.readAt > opts.agentsTtlMs && !refreshing) {
      refreshing = readAgents(at)
        .catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'agent refresh failed'))
        .finally(() => (refreshing = undefined));
    }
    return free!;
  }
  let timer: NodeJS.Timeout | undefined;

  const event = (type: ReservationEvent['type'], r: ReservationRecord, e: QueueEntryRecord): ReservationEvent => ({
    type,
    reservationId: r.id,
    agentId: r.agentId,
    entryId: e.id,
    callId: e.callId,
    queue: e.queue,
    enqueuedAt: e.enqueuedAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
  });
  const announce = async (ev: ReservationEvent) => {
    await deps.onReservation?.(ev);
    await deps.bus.publish(RESERVATION_CHANNEL, ev);
  };

  /** Current requirements of an entry; crossing into a new step re-decides on the live rules. */
  async function requirements(entry: QueueEntryRecord, now: Date) {
    const waitSeconds = Math.max(0, Math.floor((now.getTime() - entry.enqueuedAt.getTime()) / 1000));
    let decision = entry.decision as Decision;
    let req = requirementsAt(decision, waitSeconds);
    if (req.stepIndex !== entry.stepIndex) {
      const active = await deps.rules.active();
      if (active.version !== entry.ruleVersion) {
        const ctx = fillContextDefaults(entry.context);
        ctx.call.waitSeconds = waitSeconds;
        decision = withIvrQueue(decide(active, ctx, now), ctx);
        req = requirementsAt(decision, waitSeconds);
      }
      await deps.queues.updateStep(entry.id, {
        queue: req.queue,
        priority: req.priority,
        stepIndex: req.stepIndex,
        decision,
        ruleVersion: decision.version,
        rule: decision.rule,
        // A new step is a fresh chance for agents who declined under the old requirements.
        excludedAgents: [],
      });
      entry = { ...entry, queue: req.queue, priority: req.priority, stepIndex: req.stepIndex, decision, excludedAgents: [] };
    }
    return { entry, req, decision };
  }

  async function offer(entry: QueueEntryRecord, agentId: string, now: Date): Promise<void> {
    const o = { reservationId: randomUUID(), agentId, entry, now, expiresAt: new Date(now.getTime() + opts.offerTimeoutMs) };
    const notice = await deps.noticeFor?.(o);
    const reservation = await deps.queues.reserve({ id: o.reservationId, entryId: entry.id, agentId, now, expiresAt: o.expiresAt, notice });
    if (reservation) await announce({ ...event('created', reservation, entry), message: reservation.message });
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
    const snapshot = await freeAgents(now);
    const taken = new Set<string>();
    const offers: Array<Promise<void>> = [];
    for (const raw of waiting) {
      if (taken.size >= snapshot.agents.length) break;
      const { entry, req, decision } = await requirements(raw, now);
      const candidates = snapshot.agents.filter((a) => !taken.has(a.id) && servesQueue(a, req.queue));
      const agent = selectAgent(candidates, {
        skills: req.skills,
        language: entry.language,
        preferAgentId: decision.preferLastAgent?.agentId,
        excludeAgentIds: new Set(entry.excludedAgents),
      });
      if (!agent) continue;
      taken.add(agent.id);
      if (refreshing) offeredDuringRefresh.add(agent.id);
      offers.push(offer(entry, agent.id, now));
    }
    // Offered now, or taken by another node meanwhile: either way not free any more.
    snapshot.agents = snapshot.agents.filter((a) => !taken.has(a.id));
    for (const r of await Promise.allSettled(offers)) {
      if (r.status === 'rejected') deps.logger.error({ err: r.reason instanceof Error ? r.reason.message : String(r.reason) }, 'offer failed');
    }
  }

  const service: RoutingService = {
    async route(ctx, o = {}) {
      const filled = fillContextDefaults(ctx);
      const now = o.now ?? deps.now();
      const active = await deps.rules.active();
      const last = o.customerId && active.usesLastAgent ? await deps.queues.lastAgent(o.customerId) : undefined;
      if (last) filled.customer.lastAgentId = last.agentId;
      const decision = withIvrQueue(decide(active, filled, now), filled);
      // The rule's time limit is checked here, once: a decision names a last agent only if
      // the customer spoke to them recently enough, so dispatch needs no lookup of its own.
      const limit = decision.preferLastAgent && decision.preferLastAgent.withinHours * 3600_000;
      if (limit && last && now.getTime() - last.at.getTime() > limit) {
        const { preferLastAgent: _tooOld, ...rest } = decision;
        return rest;
      }
      return decision;
    },

    async enqueue(input) {
      const req = requirementsAt(input.decision, 0);
      const entry = await deps.queues.enqueue({
        callId: input.callId,
        customerId: input.customerId,
        language: input.language,
        queue: req.queue,
        priority: req.priority,
        enqueuedAt: deps.now(),
        ruleVersion: input.decision.version,
        rule: input.decision.rule,
        decision: input.decision,
        context: input.context,
      });
      if (entry) void service.dispatch();
      return entry;
    },

    async accept(reservationId, agentId) {
      const result = await deps.queues.accept(reservationId, agentId, deps.now());
      if (result && 'callerGone' in result) {
        // The end reached us after the offer: close it now rather than bridge nobody.
        await service.callEnded(result.callerGone);
        throw new AppError('CONFLICT', 'the caller has hung up');
      }
      if (!result) {
        const r = await deps.queues.reservation(reservationId);
        if (!r) throw new AppError('NOT_FOUND', 'no such reservation');
        if (r.agentId !== agentId) throw new AppError('FORBIDDEN', 'this reservation was offered to another agent');
        throw new AppError('CONFLICT', `reservation is ${r.status === 'pending' ? 'expired' : r.status}`);
      }
      const { entry, reservation, providerCallId } = result;
      forgetAgents();
      await announce({ ...event('accepted', reservation, entry), agent: result.agent });
      const profile = await deps.agents.get(agentId);
      if (!profile) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
      const agent = { id: profile.id, twilioIdentity: profile.twilioIdentity ?? null };
      try {
        if (entry.kind === 'callback' && entry.callbackNumber) {
          await deps.bridge.callBack(entry.callbackNumber, agent, entry.language, entry.callId);
        } else {
          if (!providerCallId) throw new Error(`call ${entry.callId} not found`);
          await deps.bridge.connectToAgent({ providerCallId, language: entry.language }, agent);
        }
      } catch (err) {
        // The caller stays in line and is offered again; the agent is free for the next one.
        deps.logger.error({ err: err instanceof Error ? err.message : String(err), entryId: entry.id, agentId }, 'bridge to agent failed');
        await deps.queues.unassign(entry.id, agentId, deps.now());
        void service.dispatch({ agentsChanged: true });
        throw new AppError('SERVICE_UNAVAILABLE', 'could not connect the call; it has been put back in the queue');
      }
      return { entry };
    },

    async reject(reservationId, agentId) {
      const r = await deps.queues.reservation(reservationId);
      if (!r) throw new AppError('NOT_FOUND', 'no such reservation');
      if (r.agentId !== agentId) throw new AppError('FORBIDDEN', 'this reservation was offered to another agent');
      const released = await deps.queues.release(reservationId, 'rejected', deps.now(), opts);
      if (!released) throw new AppError('CONFLICT', `reservation is ${r.status}`);
      const entry = await deps.queues.entry(r.entryId);
      if (entry) await announce({ ...event('rejected', released.reservation, entry), agent: released.agent });
      await deps.presence.announce(agentId, released.agent.state, 'rejected').catch(() => {});
      void service.dispatch({ agentsChanged: true });
    },

    async callEnded(callId, o = {}) {
      const ended = await deps.queues.callEnded(callId, deps.now(), o);
      if (!ended) return;
      for (const r of ended.cancelled) await announce(event('cancelled', r, ended.entry));
      void service.dispatch({ agentsChanged: true });
    },

    async requestCallback(callId, number) {
      return deps.queues.toCallback(callId, number);
    },

    async queueStatus(callId) {
      const entry = await deps.queues.entryByCall(callId);
      if (!entry || entry.status === 'done') return undefined;
      const { entry: current, req } = await requirements(entry, deps.now());
      const position = await deps.queues.position(current);
      return { entry: current, position, estimatedWaitSeconds: position * 45, offerCallback: req.offerCallback };
    },

    async pendingFor(agentId) {
      const out: ReservationEvent[] = [];
      for (const r of await deps.queues.pendingFor(agentId)) {
        const entry = await deps.queues.entry(r.entryId);
        if (entry) out.push(event('created', r, entry));
      }
      return out;
    },

    dispatch(o = {}) {
      if (o.agentsChanged) forgetAgents();
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
          deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'dispatch failed');
        } finally {
          running = undefined;
        }
      })();
      return running;
    },

    async tick() {
      const now = deps.now();
      const expired = await deps.queues.expired(now, 100);
      const expiredAny = expired.length > 0;
      for (const r of expired) {
        const released = await deps.queues.release(r.id, 'timeout', now, opts);
        const entry = released && (await deps.queues.entry(r.entryId));
        if (released && entry) await announce({ ...event('timeout', released.reservation, entry), agent: released.agent });
      }
      const backFromWrapUp = await deps.agentState.finishWrapUps(now);
      let freed = 0;
      if (now.getTime() - reconciledAt >= opts.reconcileMs) {
        reconciledAt = now.getTime();
        freed = (await service.reconcile()).freedAgents.length;
      }
      await service.dispatch({ agentsChanged: expiredAny || backFromWrapUp.length > 0 || freed > 0 });
    },

    async reconcile() {
      const now = deps.now();
      const result = { endedCalls: await deps.queues.endedInLine(100), freedAgents: await deps.agentState.freeStranded(now) };
      for (const callId of result.endedCalls) await service.callEnded(callId);
      for (const { agentId, state } of result.freedAgents) await deps.presence.announce(agentId, state, 'no call').catch(() => {});
      if (result.endedCalls.length || result.freedAgents.length) deps.logger.warn({ endedCalls: result.endedCalls.length, freedAgents: result.freedAgents }, 'reconciled calls and agents left by a lost write');
      return result;
    },

    start() {
      timer ??= setInterval(() => {
        service.tick().catch((err: unknown) => deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'routing tick failed'));
      }, opts.tickMs);
      timer.unref();
    },

    async stop() {
      unsubscribe();
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await refreshing;
    },
  };
  return service;
}
