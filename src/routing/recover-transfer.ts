import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { AgentRepo } from './agent-repo.js';
import type { CallBridge } from './call-bridge.js';
import { QUEUE_CHANNEL, type QueueChange } from './queue-events.js';
import type { QueueStore, StuckTransfer } from './queue-store.js';
import { coldTransferOf, warmTransferEvent, type OnTransferFailed } from './transfer-call.js';

export interface RecoverTransferDeps {
  queues: Pick<QueueStore, 'stuckTransfers' | 'finishColdTransfer' | 'abortTransfer' | 'finishWarmTransfer' | 'abortWarmTransfer'>;
  agents: Pick<AgentRepo, 'get'>;
  bridge: Pick<CallBridge, 'whereIs'>;
  logger: Logger;
  now: () => Date;
  /** How long a transfer may stay held before it is settled here: longer than the provider's REST timeout, so a live node is never overtaken. */
  stuckAfterMs: number;
  callEnded: (callId: string) => Promise<void>;
  dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void>;
  bus?: Pick<EventBus, 'publish'>;
  /** The first agent went to wrap-up: their softphone is told. */
  onAgentMoved?: (agentId: string) => Promise<void>;
  /** The transfer is undone: the first agent, who still has the caller, is told. */
  onTransferFailed?: OnTransferFailed;
  /** A warm target freed by the undo (back to available, not wrap-up): their softphone is told. */
  onAgentFreed?: (agentId: string) => Promise<void>;
}

/** How a held transfer was settled. */
export type TransferSettled = 'ended' | 'back' | 'moved' | 'left';

/**
 * Transfers a node left held (`transferring`) when it died, or when the provider never answered
 * it, settled from where the provider says the caller is — never by guessing, since either guess
 * can strand them (undo a move that happened: the caller waits in the provider's queue for ever;
 * finish one that did not: the first agent is sent away from a caller still talking to them):
 *
 * - the call has ended: it is closed like any ended call (the first agent, and a warm target, to wrap-up);
 * - the caller is still with the first agent: the transfer is undone — the call is theirs as
 *   before (a warm target is free again) and their softphone gets `transfer_failed`;
 * - a cold transfer's caller is with no agent (holding in the queue it sent them to): it is
 *   finished — back in line for the target with the note, the first agent in wrap-up;
 * - a warm transfer's caller is with its target: it is finished — the call is the target's.
 *
 * Nothing is asked of the provider but where the caller is, so nobody hears anything twice.
 * Anything else (the provider unreachable, the caller between legs) is left for the next pass.
 * Each write is conditional on the hold read (status and `updatedAt`): of two nodes settling
 * one transfer, one writes and the other finds nothing to do.
 */
export async function recoverTransfers(deps: RecoverTransferDeps): Promise<Array<{ callId: string; settled: TransferSettled }>> {
  const now = deps.now();
  const stuck = await deps.queues.stuckTransfers(new Date(now.getTime() - deps.stuckAfterMs), 20);
  const settled: Array<{ callId: string; settled: TransferSettled }> = [];
  for (const held of stuck) {
    try {
      settled.push({ callId: held.entry.callId, settled: await settle(deps, held) });
    } catch (err) {
      deps.logger.error({ err, callId: held.entry.callId }, 'transfer: could not settle a held transfer; next pass');
    }
  }
  const done = settled.filter((s) => s.settled !== 'left');
  if (done.length > 0) deps.logger.warn({ transfers: done }, 'settled transfers a node left held');
  return settled;
}

async function settle(deps: RecoverTransferDeps, held: StuckTransfer): Promise<TransferSettled> {
  const { entry, intent, since } = held;
  const callId = entry.callId;
  const first = entry.agentId!;
  if (held.ended) {
    await deps.callEnded(callId);
    return 'ended';
  }
  const candidates = [first, ...(intent?.mode === 'warm' ? [intent.toAgentId] : [])];
  const agents = (await Promise.all(candidates.map((id) => deps.agents.get(id)))).flatMap((a) => (a ? [{ id: a.id, twilioIdentity: a.twilioIdentity ?? null }] : []));
  let where;
  try {
    where = await deps.bridge.whereIs({ providerCallId: held.providerCallId }, agents);
  } catch (err) {
    deps.logger.warn({ err, callId }, 'transfer: the provider cannot say where the caller is; next pass');
    return 'left';
  }
  const now = deps.now();
  if (where.ended) {
    // Its end has not reached us (or not yet): the line is closed as the end would close it.
    await deps.callEnded(callId);
    return 'ended';
  }
  if (!intent) {
    // Held before transfers were written down: only a caller still with their agent can be placed.
    if (where.agentId === first && (await deps.queues.abortTransfer(callId, first, now, since))) return 'back';
    deps.logger.warn({ callId }, 'transfer: a held transfer without its intent; left for the call to end');
    return 'left';
  }
  if (where.agentId === first) {
    if (intent.mode === 'cold') {
      if (!(await deps.queues.abortTransfer(callId, first, now, since))) return 'left';
      const to = intent.transfer.to;
      await deps.onTransferFailed?.(first, { callId, reservationId: intent.legId, agentId: 'agentId' in to ? to.agentId : to.queue, reason: 'connect_failed' });
      return 'back';
    }
    if (!(await deps.queues.abortWarmTransfer({ callId, fromAgentId: first, toAgentId: intent.toAgentId, reservationId: intent.reservationId, now, since }))) return 'left';
    await deps.onTransferFailed?.(first, { callId, reservationId: intent.reservationId, agentId: intent.toAgentId, reason: 'connect_failed' });
    await deps.onAgentFreed?.(intent.toAgentId);
    void deps.dispatch({ agentsChanged: true });
    return 'back';
  }
  if (intent.mode === 'cold' && where.agentId === undefined) {
    const moved = await deps.queues.finishColdTransfer(coldTransferOf(entry, intent, now, since));
    if (!moved) return 'left';
    await deps.onAgentMoved?.(first);
    void deps.bus?.publish(QUEUE_CHANNEL, { callId, queue: moved.queue, change: 'joined' } satisfies QueueChange);
    void deps.dispatch();
    return 'moved';
  }
  if (intent.mode === 'warm' && where.agentId === intent.toAgentId) {
    const t = { fromAgentId: first, toAgentId: intent.toAgentId, legId: intent.legId };
    if (!(await deps.queues.finishWarmTransfer({ callId, ...t, now, since, event: warmTransferEvent(entry, t) }))) return 'left';
    await deps.onAgentMoved?.(first);
    return 'moved';
  }
  // A warm hand-over's caller on nobody's leg: between the target's leg ending and the call's end.
  deps.logger.warn({ callId, mode: intent.mode }, 'transfer: the caller is on neither side of a held transfer; next pass');
  return 'left';
}
