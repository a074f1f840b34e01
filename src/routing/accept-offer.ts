import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AgentRepo } from './agent-repo.js';
import type { CallBridge } from './call-bridge.js';
import { reservationEvent, type OnReservation } from './offer-events.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';

export interface AcceptOfferDeps {
  queues: Pick<QueueStore, 'accept' | 'reservation' | 'unassign'>;
  agents: Pick<AgentRepo, 'get'>;
  bridge: CallBridge;
  logger: Logger;
  now: () => Date;
  onReservation?: OnReservation;
  /** The agent is no longer free: drop the read of free agents. */
  forgetAgents: () => void;
  dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void>;
  callEnded: (callId: string) => Promise<void>;
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
    void deps.dispatch({ agentsChanged: true });
    throw new AppError('SERVICE_UNAVAILABLE', 'could not connect the call; it has been put back in the queue');
  }
  return { entry };
}
