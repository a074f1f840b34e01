import { randomUUID } from 'node:crypto';
import { transferHold } from '../calls/transfer-prompts.js';
import { AppError } from '../errors.js';
import { callLang } from '../ivr/voices.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { AgentStateStore } from './agent-state-store.js';
import type { CallBridge } from './call-bridge.js';
import type { DispatchDeps } from './dispatch.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import { selectAgent } from './rules/index.js';
import { servesQueue } from './serves-queue.js';
import { QUEUE_CHANNEL, type QueueChange } from './queue-events.js';
import type { QueueEntryRecord, QueueStore, TransferContext } from './queue-store.js';
import type { Decision } from './rules/index.js';

/** A warm transfer fell through (`reason`: rejected, timeout, connect_failed); the first agent keeps the caller and is told. */
export type OnTransferFailed = (agentId: string, failure: { callId: string; reservationId: string; agentId: string; reason: 'rejected' | 'timeout' | 'connect_failed' }) => Promise<void>;

export interface TransferRequest {
  callId: string;
  /** The agent who has the caller now. */
  fromAgentId: string;
  /** Who asked: the agent, or a supervisor or admin for them. */
  by: string;
  target: { queue: string } | { agentId: string };
  note?: string;
}

export interface TransferDeps {
  queues: Pick<QueueStore, 'beginTransfer' | 'abortTransfer' | 'finishColdTransfer'>;
  bridge: CallBridge;
  logger: Logger;
  now: () => Date;
  dispatch: () => Promise<void>;
  bus?: Pick<EventBus, 'publish'>;
  /** Routing moved the first agent to wrap-up: their softphone is told. */
  onAgentMoved?: (agentId: string) => Promise<void>;
}

/** The call's record of a transfer: who from, to where, how, and the note (personal data: erasure strips it). */
export function transferEventData(t: TransferContext): Record<string, string> {
  return {
    from: t.from,
    mode: t.mode,
    by: t.by,
    // `agentId` names the agent the call went to, as on every event that hands a call to an agent.
    ...('queue' in t.to ? { queue: t.to.queue } : { agentId: t.to.agentId }),
    ...(t.note ? { note: t.note } : {}),
  };
}

/**
 * A cold transfer: the caller leaves the agent at once and waits for the target like any
 * queued caller. The call is held (`transferring`) while the provider moves the caller, so
 * the leg the move ends is not taken for the call's end; if the provider cannot move them
 * the call is the agent's again as before (503); once moved, the call is back in line for
 * the target with the pop's transfer note, and the first agent is in wrap-up — in one commit.
 * Undefined when the call was not (any more) the agent's connected call.
 */
export async function transferCold(deps: TransferDeps, req: TransferRequest): Promise<QueueEntryRecord | undefined> {
  const begun = await deps.queues.beginTransfer(req.callId, req.fromAgentId, deps.now());
  if (!begun) return undefined;
  const { entry, legId, providerCallId } = begun;
  const queue = 'queue' in req.target ? req.target.queue : entry.queue;
  try {
    await deps.bridge.requeue({ providerCallId, language: entry.language }, queue, transferHold(callLang(entry.language)));
  } catch (err) {
    // Never the note: it is personal data.
    deps.logger.error({ err, callId: req.callId, agentId: req.fromAgentId }, 'transfer: the provider could not move the caller');
    await deps.queues.abortTransfer(req.callId, req.fromAgentId, deps.now());
    throw new AppError('SERVICE_UNAVAILABLE', 'could not transfer the call; the caller is still with you');
  }
  const now = deps.now();
  const transfer: TransferContext = { from: req.fromAgentId, mode: 'cold', to: req.target, by: req.by, at: now.toISOString(), ...(req.note ? { note: req.note } : {}) };
  // The target's line: the call keeps its priority; no escalation steps (the agent chose where it goes).
  const decision: Decision = {
    version: entry.ruleVersion,
    rule: 'transfer',
    queue,
    priority: entry.priority,
    skills: {},
    steps: [],
    skipped: [],
    ...('agentId' in req.target ? { onlyAgentId: req.target.agentId } : {}),
  };
  const moved = await deps.queues.finishColdTransfer({
    callId: req.callId,
    fromAgentId: req.fromAgentId,
    legId,
    queue,
    priority: entry.priority,
    decision,
    transfer,
    now,
    event: { key: `transfer:${legId}`, data: transferEventData(transfer) },
  });
  // The caller hung up while being moved: their end closed the call (and the agent's part).
  if (!moved) throw new AppError('CONFLICT', 'the caller has hung up');
  await deps.onAgentMoved?.(req.fromAgentId);
  void deps.bus?.publish(QUEUE_CHANNEL, { callId: moved.callId, queue: moved.queue, change: 'joined' } satisfies QueueChange);
  void deps.dispatch();
  return moved;
}

export interface WarmTransferDeps {
  queues: Pick<QueueStore, 'entryByCall' | 'reserveTransfer'>;
  agentState: Pick<AgentStateStore, 'free'>;
  now: () => Date;
  offerTimeoutMs: number;
  noticeFor?: DispatchDeps['noticeFor'];
  onReservation?: OnReservation;
}

/**
 * A warm transfer: the caller stays with the agent while the target — the named agent, or the
 * longest-idle free agent of the queue — is offered the call, with the pop saying it is a warm
 * transfer and the note. The offer lasts the offer timeout; the caller moves only when the
 * target accepts (accept-offer.ts); a reject or timeout leaves the caller where they are and
 * tells the first agent (release-offer.ts). 'unavailable': nobody to offer it to now (nothing
 * written); undefined: the call was not (any more) the agent's connected call, or a transfer is under way.
 */
export async function transferWarm(deps: WarmTransferDeps, req: TransferRequest): Promise<{ transfer: TransferContext } | 'unavailable' | undefined> {
  const entry = await deps.queues.entryByCall(req.callId);
  if (!entry || entry.status !== 'assigned' || entry.agentId !== req.fromAgentId) return undefined;
  const free = (await deps.agentState.free()).filter((a) => a.id !== req.fromAgentId);
  const target =
    'agentId' in req.target
      ? selectAgent(free.filter((a) => a.id === (req.target as { agentId: string }).agentId), { skills: {} })
      : selectAgent(free.filter((a) => servesQueue(a, (req.target as { queue: string }).queue)), { skills: {}, language: entry.language });
  if (!target) return 'unavailable';
  const now = deps.now();
  const transfer: TransferContext = { from: req.fromAgentId, mode: 'warm', to: req.target, by: req.by, at: now.toISOString(), ...(req.note ? { note: req.note } : {}) };
  const offered = { ...entry, context: { ...(entry.context as Record<string, unknown>), transfer } };
  const reservationId = randomUUID();
  const expiresAt = new Date(now.getTime() + deps.offerTimeoutMs);
  const notice = await deps.noticeFor?.({ reservationId, agentId: target.id, entry: offered, now, expiresAt });
  const made = await deps.queues.reserveTransfer({ id: reservationId, entryId: entry.id, agentId: target.id, now, expiresAt, notice }, req.fromAgentId, transfer);
  if (!made) {
    const again = await deps.queues.entryByCall(req.callId);
    // Still the agent's call: the target was taken meanwhile.
    return again && again.status === 'assigned' && again.agentId === req.fromAgentId ? 'unavailable' : undefined;
  }
  await deps.onReservation?.({ ...reservationEvent('created', made, offered), message: made.message });
  return { transfer };
}
