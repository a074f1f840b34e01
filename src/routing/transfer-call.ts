import { randomUUID } from 'node:crypto';
import { transferHold } from '../calls/transfer-prompts.js';
import { AppError } from '../errors.js';
import { callLang } from '../ivr/voices.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { AgentStateStore } from './agent-state-store.js';
import { ProviderOutcomeUnknown, type CallBridge } from './call-bridge.js';
import type { DispatchDeps } from './dispatch.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import { selectAgent } from './rules/index.js';
import { servesQueue } from './serves-queue.js';
import { QUEUE_CHANNEL, type QueueChange } from './queue-events.js';
import type { ColdTransfer, QueueEntryRecord, QueueStore, TransferContext, TransferIntent } from './queue-store.js';
import type { Decision } from './rules/index.js';

/**
 * A transfer fell through (`reason`: rejected, timeout, connect_failed); the first agent keeps
 * the caller and is told. `agentId` names where it was going and `reservationId` the target's
 * offer — for a cold transfer undone by reconciliation, the agent or queue asked for and the
 * first agent's own leg.
 */
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
  queues: Pick<QueueStore, 'beginTransfer' | 'abortTransfer' | 'finishColdTransfer' | 'entryByCall'>;
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

/** Where a cold transfer puts the caller: the queue asked for, or (a named agent) the call's own queue. */
const coldQueue = (entry: QueueEntryRecord, t: TransferContext) => ('queue' in t.to ? t.to.queue : entry.queue);

/**
 * The one commit that ends a cold transfer, from the held entry and its written-down intent:
 * the target's line keeps the call's priority and has no escalation steps (the agent chose
 * where it goes); the event is keyed by the first agent's leg, so it is recorded once.
 */
export function coldTransferOf(entry: QueueEntryRecord, intent: Extract<TransferIntent, { mode: 'cold' }>, now: Date, since?: Date): ColdTransfer {
  const { transfer } = intent;
  const queue = coldQueue(entry, transfer);
  const decision: Decision = {
    version: entry.ruleVersion,
    rule: 'transfer',
    queue,
    priority: entry.priority,
    skills: {},
    steps: [],
    skipped: [],
    ...('agentId' in transfer.to ? { onlyAgentId: transfer.to.agentId } : {}),
  };
  return {
    callId: entry.callId,
    fromAgentId: transfer.from,
    legId: intent.legId,
    queue,
    priority: entry.priority,
    decision,
    transfer,
    now,
    event: { key: `transfer:${intent.legId}`, data: transferEventData(transfer) },
    ...(since ? { since } : {}),
  };
}

/** The record of a warm hand-over, keyed by the first agent's leg; `agentId`: who the call went to (for a queue target, the agent who took it). */
export function warmTransferEvent(entry: QueueEntryRecord, t: { fromAgentId: string; toAgentId: string; legId: string }): { key: string; data: Record<string, string> } {
  const transfer = (entry.context as { transfer?: TransferContext } | null)?.transfer;
  return { key: `transfer:${t.legId}`, data: { ...(transfer ? transferEventData(transfer) : { from: t.fromAgentId, mode: 'warm' }), agentId: t.toAgentId } };
}

/** The call's line shows this transfer done (another node settled it while this one waited). */
function alreadyMoved(entry: QueueEntryRecord | undefined, t: TransferContext): entry is QueueEntryRecord {
  const recorded = (entry?.context as { transfer?: TransferContext } | null)?.transfer;
  return entry !== undefined && entry.status !== 'done' && entry.status !== 'transferring' && recorded?.at === t.at && recorded.from === t.from;
}

/**
 * A cold transfer: the caller leaves the agent at once and waits for the target like any
 * queued caller. The call is held (`transferring`, with the transfer written down) while the
 * provider moves the caller, so the leg the move ends is not taken for the call's end; if the
 * provider refuses, the call is the agent's again as before (503); once moved, the call is
 * back in line for the target with the pop's transfer note, and the first agent is in wrap-up
 * — in one commit. If the provider does not answer at all, or this node dies, the hold stays
 * and reconciliation settles it from where the provider says the caller is (recover-transfer.ts).
 * Undefined when the call was not (any more) the agent's connected call.
 */
export async function transferCold(deps: TransferDeps, req: TransferRequest): Promise<QueueEntryRecord | undefined> {
  const at = deps.now();
  const transfer: TransferContext = { from: req.fromAgentId, mode: 'cold', to: req.target, by: req.by, at: at.toISOString(), ...(req.note ? { note: req.note } : {}) };
  const begun = await deps.queues.beginTransfer(req.callId, req.fromAgentId, at, transfer);
  if (!begun) return undefined;
  const { entry, legId, providerCallId } = begun;
  try {
    await deps.bridge.requeue({ providerCallId, language: entry.language }, coldQueue(entry, transfer), transferHold(callLang(entry.language)));
  } catch (err) {
    // Never the note: it is personal data.
    if (err instanceof ProviderOutcomeUnknown) {
      // The caller may be in line already: undoing the hold now could strand them there.
      deps.logger.warn({ err, callId: req.callId, agentId: req.fromAgentId }, 'transfer: the provider did not answer; reconciliation settles the transfer');
      throw new AppError('SERVICE_UNAVAILABLE', 'Twilio did not confirm the transfer; it is settled shortly from where the caller is');
    }
    deps.logger.error({ err, callId: req.callId, agentId: req.fromAgentId }, 'transfer: the provider could not move the caller');
    if (!(await deps.queues.abortTransfer(req.callId, req.fromAgentId, deps.now()))) throw new AppError('CONFLICT', 'the caller has hung up');
    throw new AppError('SERVICE_UNAVAILABLE', 'could not transfer the call; the caller is still with you');
  }
  const moved = await deps.queues.finishColdTransfer(coldTransferOf(entry, { mode: 'cold', legId, transfer }, deps.now()));
  if (!moved) {
    // This node was slower than reconciliation's deadline, which finished the transfer for it.
    const again = await deps.queues.entryByCall(req.callId);
    if (alreadyMoved(again, transfer)) return again;
    // The caller hung up while being moved: their end closed the call (and the agent's part).
    throw new AppError('CONFLICT', 'the caller has hung up');
  }
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
