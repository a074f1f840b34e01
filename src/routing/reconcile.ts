import type { Logger } from '../logger.js';
import type { AgentState } from './agent-state.js';
import type { AgentStateStore } from './agent-state-store.js';
import type { Presence } from './presence.js';
import type { QueueStore } from './queue-store.js';
import type { TransferSettled } from './recover-transfer.js';

/**
 * Repairs what a lost write or a crash left behind: calls in line (or with an agent) that
 * have ended are ended here too, agents reserved with no offer or busy with no call are set
 * free (and every node told), and transfers a node left held are settled (recover-transfer.ts).
 */
export async function reconcile(deps: {
  queues: Pick<QueueStore, 'endedInLine'>;
  agentState: Pick<AgentStateStore, 'freeStranded'>;
  presence: Pick<Presence, 'announce'>;
  logger: Logger;
  now: () => Date;
  callEnded: (callId: string) => Promise<void>;
  recoverTransfers: () => Promise<Array<{ callId: string; settled: TransferSettled }>>;
}): Promise<{ endedCalls: string[]; freedAgents: Array<{ agentId: string; state: AgentState }>; transfers: Array<{ callId: string; settled: TransferSettled }> }> {
  const result = { endedCalls: await deps.queues.endedInLine(100), freedAgents: await deps.agentState.freeStranded(deps.now()) };
  for (const callId of result.endedCalls) await deps.callEnded(callId);
  for (const { agentId, state } of result.freedAgents) await deps.presence.announce(agentId, state, 'no call').catch(() => {});
  if (result.endedCalls.length || result.freedAgents.length) deps.logger.warn({ endedCalls: result.endedCalls.length, freedAgents: result.freedAgents }, 'reconciled calls and agents left by a lost write');
  return { ...result, transfers: await deps.recoverTransfers() };
}
