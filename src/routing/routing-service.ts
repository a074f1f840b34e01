import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import { acceptOffer } from './accept-offer.js';
import type { AgentRepo } from './agent-repo.js';
import type { AgentState } from './agent-state.js';
import type { AgentStateStore } from './agent-state-store.js';
import type { CallBridge } from './call-bridge.js';
import { createDispatcher, type DispatchDeps } from './dispatch.js';
import { endQueuedCall } from './end-queued-call.js';
import { enqueueCall } from './enqueue-call.js';
import { createFreeAgents } from './free-agents.js';
import type { OnReservation, ReservationEvent } from './offer-events.js';
import { pendingOffers } from './pending-offers.js';
import type { Presence } from './presence.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import { queueStatus } from './queue-status.js';
import { reconcile } from './reconcile.js';
import { recoverTransfers, type TransferSettled } from './recover-transfer.js';
import { rejectOffer, timeOutOffers } from './release-offer.js';
import { requestCallback } from './request-callback.js';
import { routeCall } from './route-call.js';
import { createRoutingTick } from './routing-tick.js';
import { transferCold, transferWarm, type OnTransferFailed, type TransferRequest } from './transfer-call.js';
import type { TransferContext } from './queue-store.js';
import type { RoutingTimers, WakeReason } from './routing-timers.js';
import type { RuleStore } from './rule-store.js';
import type { Decision, RoutingContextInput } from './rules/index.js';

export interface RoutingOptions {
  offerTimeoutMs: number;
  /** Missed offers in a row after which an agent is set away. */
  awayAfterMisses: number;
  tickMs: number;
  /** How long a read of the free agents may be reused between presence changes. */
  agentsTtlMs: number;
  /** How often the tick also reconciles calls and agents. */
  reconcileMs: number;
  /**
   * How long a transfer may hold its call (`transferring`) before reconciliation settles it
   * from where the provider says the caller is: longer than the provider's REST timeout
   * (Twilio's client: 30 s, webhooks/twilio/call-control.ts), so a node still waiting for
   * Twilio's answer is never overtaken.
   */
  stuckTransferMs: number;
}

export interface RoutingService {
  /** The decision for a call leaving the IVR (pure, from the compiled active rules). */
  route(ctx: RoutingContextInput, opts?: { customerId?: string; now?: Date }): Promise<Decision>;
  /** Puts the call in line (idempotent per call) and tries to offer it at once; undefined when the call has ended. */
  enqueue(input: { callId: string; customerId: string | null; language: string; decision: Decision; context: RoutingContextInput }): Promise<QueueEntryRecord | undefined>;
  accept(reservationId: string, agentId: string): Promise<{ entry: QueueEntryRecord }>;
  reject(reservationId: string, agentId: string): Promise<void>;
  callEnded(callId: string, opts?: { callbackLeg?: boolean }): Promise<void>;
  /** A cold transfer (see transfer-call.ts); undefined when the call was not (any more) the agent's connected call. */
  transferCold(req: TransferRequest): Promise<QueueEntryRecord | undefined>;
  /** A warm transfer's offer (see transfer-call.ts): 'unavailable' when nobody can be offered the call now. */
  transferWarm(req: TransferRequest): Promise<{ transfer: TransferContext } | 'unavailable' | undefined>;
  /** Whether `leg` (the reservation that made an agent's leg) is still the call's current leg; false once transferred away. */
  legIsCurrent(callId: string, leg: string): Promise<boolean>;
  requestCallback(callId: string, number: string): Promise<QueueEntryRecord | undefined>;
  queueStatus(callId: string): Promise<{ entry: QueueEntryRecord; position: number; estimatedWaitSeconds: number; offerCallback: boolean } | undefined>;
  pendingFor(agentId: string): Promise<ReservationEvent[]>;
  /** Offers waiting calls to free agents; concurrent calls on one node coalesce. `agentsChanged` after a presence change. */
  dispatch(opts?: { agentsChanged?: boolean }): Promise<void>;
  /** Timeouts, wrap-ups, escalation steps, then a dispatch. */
  tick(): Promise<void>;
  /** Ends what ended calls left in line, frees agents stranded without an offer or call, settles transfers a node left held. */
  reconcile(): Promise<{ endedCalls: string[]; freedAgents: Array<{ agentId: string; state: AgentState }>; transfers: Array<{ callId: string; settled: TransferSettled }> }>;
  start(): void;
  stop(): Promise<void>;
  /** Resolves once no dispatch pass runs: a Lambda waits for it before answering, since a frozen function finishes nothing. */
  idle(): Promise<void>;
}

/**
 * Routing's use cases (one per file in this folder) with their collaborators bound: what
 * the call service, the agent hub and the routers call.
 */
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
  noticeFor?: DispatchDeps['noticeFor'];
  /** Runs once, on this node, for every offer change (the screen pop pipeline). */
  onReservation?: OnReservation;
  holdOffers?: DispatchDeps['holdOffers'];
  /** Lambda: each deadline asks the platform for a tick (server mode's own tick covers them). */
  timers?: RoutingTimers;
  /** The customer's stored experience score, for rules naming `customer.experienceScore`. */
  experienceScore?: (customerId: string) => Promise<number | undefined>;
  /** A warm transfer fell through: the first agent, who keeps the caller, is told. */
  onTransferFailed?: OnTransferFailed;
  /** Routing moved an agent without an offer (a call's end into wrap-up, a wrap-up's end): their softphone is told. */
  onAgentMoved?: (agentId: string) => Promise<void>;
}): RoutingService {
  const opts: RoutingOptions = { offerTimeoutMs: 15_000, awayAfterMisses: 2, tickMs: 1000, agentsTtlMs: 1000, reconcileMs: 10_000, stuckTransferMs: 45_000, ...deps.options };
  const timers = deps.timers;
  // A wake-up that cannot be set is not fatal: the scheduled tick (every minute) does it late.
  const wake = async (due: Date, reason: WakeReason, ref: string) => {
    await timers?.wakeAt(due, reason, ref).catch((err: unknown) => deps.logger.warn({ err, reason }, 'platform timer not set: the scheduled tick will catch up'));
  };
  if (timers) {
    const onReservation = deps.onReservation;
    deps = {
      ...deps,
      async onReservation(ev) {
        await onReservation?.(ev);
        if (ev.type === 'created') await wake(new Date(ev.expiresAt), 'offer_timeout', ev.reservationId);
      },
    };
  }
  const onWrapUp = async (agentId: string) => {
    if (timers) {
      const agent = await deps.agents.get(agentId);
      if (agent) await wake(new Date(deps.now().getTime() + agent.wrapUpSeconds * 1000), 'wrap_up', agentId);
    }
    await deps.onAgentMoved?.(agentId);
  };
  const free = createFreeAgents({ agentState: deps.agentState, bus: deps.bus, logger: deps.logger, ttlMs: opts.agentsTtlMs });
  const dispatcher = createDispatcher({ ...deps, free, offerTimeoutMs: opts.offerTimeoutMs });
  const dispatch = dispatcher.dispatch;
  const callEnded = (callId: string, o?: { callbackLeg?: boolean }) => endQueuedCall({ ...deps, dispatch, onWrapUp }, callId, o);
  const released = { ...deps, awayAfterMisses: opts.awayAfterMisses };
  // A transfer's first agent goes to wrap-up like a call's end puts them there (and Lambda is woken when it is over).
  const moving = { ...deps, dispatch, onAgentMoved: onWrapUp };
  const reconcileNow = () => reconcile({ ...deps, callEnded, recoverTransfers: () => recoverTransfers({ ...moving, callEnded, onAgentFreed: deps.onAgentMoved, stuckAfterMs: opts.stuckTransferMs }) });
  const clock = createRoutingTick({
    ...deps,
    tickMs: opts.tickMs,
    reconcileMs: opts.reconcileMs,
    timeOutOffers: (now) => timeOutOffers(released, now),
    reconcile: reconcileNow,
    dispatch,
  });

  return {
    route: (ctx, o) => routeCall(deps, ctx, o),
    async enqueue(input) {
      const entry = await enqueueCall({ ...deps, dispatch }, input);
      if (entry && timers) {
        for (const step of input.decision.steps) await wake(new Date(entry.enqueuedAt.getTime() + step.afterSeconds * 1000), 'escalation', entry.id);
      }
      return entry;
    },
    // A failed accept frees its agent without wrap-up: told as is, no wrap-up wake-up.
    accept: (reservationId, agentId) => acceptOffer({ ...moving, callEnded, forgetAgents: free.forget, onAgentFreed: deps.onAgentMoved }, reservationId, agentId),
    reject: (reservationId, agentId) => rejectOffer({ ...released, dispatch }, reservationId, agentId),
    callEnded,
    transferCold: (req) => transferCold(moving, req),
    transferWarm: (req) => transferWarm({ ...deps, offerTimeoutMs: opts.offerTimeoutMs }, req),
    async legIsCurrent(callId, leg) {
      const current = await deps.queues.currentLeg(callId);
      // A call already over (or never in line) has no later leg to protect: its own end stands.
      if (!current || current.status === 'done') return true;
      return current.status === 'assigned' && current.legId === leg;
    },
    requestCallback: (callId, number) => requestCallback(deps, callId, number),
    queueStatus: (callId) => queueStatus(deps, callId),
    pendingFor: (agentId) => pendingOffers(deps, agentId),
    dispatch,
    tick: clock.tick,
    reconcile: reconcileNow,
    start: clock.start,
    idle: dispatcher.idle,
    async stop() {
      const closing = free.close();
      clock.stop();
      await dispatcher.idle();
      await closing;
    },
  };
}
