import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AgentRepo } from './agent-repo.js';
import { ProviderOutcomeUnknown, type CallBridge } from './call-bridge.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import { warmTransferEvent, type OnTransferFailed } from './transfer-call.js';

export interface AcceptOfferDeps {
  queues: Pick<QueueStore, 'accept' | 'reservation' | 'unassign' | 'finishWarmTransfer' | 'abortWarmTransfer'>;
  agents: Pick<AgentRepo, 'get'>;
  bridge: CallBridge;
  logger: Logger;
  now: () => Date;
  onReservation?: OnReservation;
  /** The agent is no longer free: drop the read of free agents. */
  forgetAgents: () => void;
  dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void>;
  callEnded: (callId: string) => Promise<void>;
  /** The first agent of a warm transfer went to wrap-up: their softphone is told. */
  onAgentMoved?: (agentId: string) => Promise<void>;
  /** The accept was undone (the provider could not connect): the agent, free again, has their softphone told (it last heard "busy"). */
  onAgentFreed?: (agentId: string) => Promise<void>;
  /** A warm transfer fell through: the first agent, who keeps the caller, is told. */
  onTransferFailed?: OnTransferFailed;
}

/**
 * The agent accepts an offer: the call is theirs and the provider connects it (a callback
 * rings the customer first). A caller who hung up meanwhile is a 409 and frees the agent; a
 * bridge that fails puts the caller back in line (503) and frees the agent for the next one.
 */
export async function acceptOffer(deps: AcceptOfferDeps, reservationId: string, agentId: string): Promise<{ entry: QueueEntryRecord }> {
  const result = await deps.queues.accept(reservationId, agentId, deps.now());
  if (result && 'callerGone' in result) {
    // The end reached us after the offer: close it now rather than bridge nobody.
    await deps.callEnded(result.callerGone);
    throw new AppError('CONFLICT', 'the caller has hung up');
  }
  if (!result) {
    const r = await deps.queues.reservation(reservationId);
    if (!r) throw new AppError('NOT_FOUND', 'no such reservation');
    if (r.agentId !== agentId) throw new AppError('FORBIDDEN', 'this reservation was offered to another agent');
    throw new AppError('CONFLICT', `reservation is ${r.status === 'pending' ? 'expired' : r.status}`);
  }
  const { entry, reservation, providerCallId } = result;
  deps.forgetAgents();
  await deps.onReservation?.({ ...reservationEvent('accepted', reservation, entry), agent: result.agent });
  const profile = await deps.agents.get(agentId);
  if (!profile) throw new AppError('NOT_FOUND', `no agent '${agentId}'`);
  const agent = { id: profile.id, twilioIdentity: profile.twilioIdentity ?? null };
  if (result.transferFrom) return finishWarm(deps, { ...result, transferFrom: result.transferFrom }, agent);
  try {
    if (entry.kind === 'callback' && entry.callbackNumber) {
      await deps.bridge.callBack(entry.callbackNumber, agent, entry.language, entry.callId);
    } else {
      if (!providerCallId) throw new Error(`call ${entry.callId} not found`);
      await deps.bridge.connectToAgent({ providerCallId, language: entry.language }, agent, reservation.id);
    }
  } catch (err) {
    // The caller stays in line and is offered again; the agent is free for the next one.
    deps.logger.error({ err, entryId: entry.id, agentId }, 'bridge to agent failed');
    await deps.queues.unassign(entry.id, agentId, deps.now());
    await deps.onAgentFreed?.(agentId);
    void deps.dispatch({ agentsChanged: true });
    throw new AppError('SERVICE_UNAVAILABLE', 'could not connect the call; it has been put back in the queue');
  }
  return { entry };
}

/**
 * The warm transfer's target accepted: the provider moves the caller from the first agent to
 * them (the entry is held meanwhile); then the call is theirs and the first agent in wrap-up.
 * If the provider refuses, the caller stays with the first agent, who is told, and the target
 * is free (503). If it does not answer at all (or this node dies), the hold stays and
 * reconciliation settles it from where the provider says the caller is (recover-transfer.ts).
 */
async function finishWarm(
  deps: AcceptOfferDeps,
  accepted: { entry: QueueEntryRecord; reservation: { id: string }; providerCallId: string | null; transferFrom: { agentId: string; legId: string } },
  agent: { id: string; twilioIdentity: string | null },
): Promise<{ entry: QueueEntryRecord }> {
  const { entry, reservation, transferFrom } = accepted;
  try {
    if (!accepted.providerCallId) throw new Error(`call ${entry.callId} not found`);
    await deps.bridge.connectToAgent({ providerCallId: accepted.providerCallId, language: entry.language }, agent, reservation.id);
  } catch (err) {
    if (err instanceof ProviderOutcomeUnknown) {
      // The caller may be ringing this agent already: undoing the hand-over now could leave them with nobody on our side.
      deps.logger.warn({ err, callId: entry.callId, agentId: agent.id }, 'warm transfer: the provider did not answer; reconciliation settles the transfer');
      throw new AppError('SERVICE_UNAVAILABLE', 'Twilio did not confirm the transfer; it is settled shortly from where the caller is');
    }
    deps.logger.error({ err, callId: entry.callId, agentId: agent.id }, 'warm transfer: the provider could not move the caller');
    const undone = await deps.queues.abortWarmTransfer({ callId: entry.callId, fromAgentId: transferFrom.agentId, toAgentId: agent.id, reservationId: reservation.id, now: deps.now() });
    // The caller hung up meanwhile: their end closed the call, for this agent too.
    if (!undone) throw new AppError('CONFLICT', 'the caller has hung up');
    await deps.onTransferFailed?.(transferFrom.agentId, { callId: entry.callId, reservationId: reservation.id, agentId: agent.id, reason: 'connect_failed' });
    await deps.onAgentFreed?.(agent.id);
    void deps.dispatch({ agentsChanged: true });
    throw new AppError('SERVICE_UNAVAILABLE', 'could not connect the call; the caller stays with the agent who transferred it');
  }
  const moved = { fromAgentId: transferFrom.agentId, toAgentId: agent.id, legId: transferFrom.legId };
  const done = await deps.queues.finishWarmTransfer({ callId: entry.callId, ...moved, now: deps.now(), event: warmTransferEvent(entry, moved) });
  // The caller hung up while being moved: their end closed the call, for this agent too.
  if (!done) throw new AppError('CONFLICT', 'the caller has hung up');
  await deps.onAgentMoved?.(transferFrom.agentId);
  return { entry: done };
}
