import { normalizePhone } from '../crm/phone.js';
import type { Logger } from '../logger.js';
import type { Agent } from '../routing/agent-repo.js';
import type { CallEventStore } from './call-events.js';
import type { CallRepo } from './call-repo.js';
import type { CallRecord, Provider } from './types.js';

/** One thing the provider says happened to a call it runs (Connect: a contact event), already translated. */
export interface ProviderCallEvent {
  providerCallId: string;
  /** The first call of a chain of transfers (Connect's InitialContactId; its attributes live there). */
  initialCallId: string | null;
  /** The provider's name for it, upper case (INITIATED, QUEUED, CONNECTED_TO_AGENT, DISCONNECTED, COMPLETED, …). */
  type: string;
  /** When it happened, by the provider's clock: events are ordered by this, not by arrival. */
  at: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  enqueuedAt: Date | null;
  /** The provider's ids of the queue and the agent (ARNs), when the event names them. */
  queueRef: string | null;
  agentRef: string | null;
  from: string | null;
  /** The agent's after-contact work by the provider's clock (Connect: on COMPLETED); null when there was none. */
  wrapUp: { startedAt: Date; endedAt: Date } | null;
}

export type EventOutcome = 'recorded' | 'repeat';

export interface ExternalCallEvents {
  /** Applies an event, in any order and any number of times; throws only when the store fails (the provider delivers again). */
  handle(e: ProviderCallEvent): Promise<EventOutcome>;
}

/**
 * A provider's events about the calls it runs -> the call's record and its one timeline
 * entry. Each event is stored once by (call, type) with its own timestamp, so the entry shows
 * them in the order they happened however they arrive; the call's status only moves forward,
 * so a late QUEUED after DISCONNECTED leaves it ended. Side effects are keyed too and are
 * applied on every delivery: a delivery that failed half-way is finished by the next.
 */
export function createExternalCallEvents(deps: {
  provider: Provider;
  calls: CallRepo;
  callEvents: Pick<CallEventStore, 'add'>;
  /** Routing's name for a provider queue id (the synced list); null when unknown. */
  queueName(ref: string): Promise<string | null>;
  agentByRef(ref: string): Promise<Agent | undefined>;
  /** The agent was connected: pop the call on their softphone (once). */
  onAgentConnected(input: { agent: Agent; call: CallRecord; initialCallId: string; connectedAt: Date; enqueuedAt: Date | null }): Promise<void>;
  /** The call's KPIs changed after the rollup may have rolled it for good: its interval is rolled again (the KPI rollup's callChanged). */
  kpisChanged(callId: string): Promise<void>;
  logger: Logger;
}): ExternalCallEvents {
  return {
    async handle(e) {
      const fromE164 = e.from ? (normalizePhone(e.from) ?? null) : null;
      let call = await deps.calls.recordExternal({
        provider: deps.provider,
        providerCallId: e.providerCallId,
        fromRaw: e.from ?? '',
        fromE164,
        to: null,
        customerId: null,
        language: 'ar',
        startedAt: e.startedAt ?? e.at,
      });
      const endedBefore = call.endedAt !== null;
      // The agent is named on the stored event (our id, matched by connectAgentArn now): the KPIs credit the answer to them.
      const [queue, agent] = await Promise.all([
        e.queueRef ? deps.queueName(e.queueRef) : null,
        e.type === 'CONNECTED_TO_AGENT' && e.agentRef ? deps.agentByRef(e.agentRef) : undefined,
      ]);
      const added = await deps.callEvents.add({
        callId: call.id,
        key: `${deps.provider}:${e.type}`,
        type: e.type.toLowerCase(),
        at: e.at,
        data: {
          ...(queue ? { queue } : {}),
          ...(agent ? { agentId: agent.id } : {}),
          // The KPIs count it as the handling agent's wrap-up (src/analytics/kpi-sources.ts).
          ...(e.type === 'COMPLETED' && e.wrapUp ? { wrapUpStartedAt: e.wrapUp.startedAt.toISOString(), wrapUpEndedAt: e.wrapUp.endedAt.toISOString() } : {}),
        },
      });
      switch (e.type) {
        case 'QUEUED':
          await deps.calls.queueExternal(deps.provider, e.providerCallId, queue);
          break;
        case 'DISCONNECTED':
        case 'COMPLETED': {
          // COMPLETED comes after the after-contact work: without the disconnect time, the call ended when the work began.
          const endedAt = e.endedAt ?? e.wrapUp?.startedAt ?? e.at;
          const startedAt = e.startedAt ?? call.startedAt;
          const durationSeconds = Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000));
          call = (await deps.calls.complete(deps.provider, e.providerCallId, { endStatus: 'completed', durationSeconds, endedAt })) ?? call;
          break;
        }
        case 'CONNECTED_TO_AGENT': {
          if (call.endedAt) break; // the caller is gone: a pop now would only mislead
          if (!agent) {
            // Acknowledged, not retried: no delivery will make an unlinked agent known.
            deps.logger.warn({ provider: deps.provider, callId: call.id, agentKnown: false }, 'contact connected to an agent with no matching connectAgentArn: no pop');
            break;
          }
          if (queue && !call.queue) call = (await deps.calls.queueExternal(deps.provider, e.providerCallId, queue)) ?? call;
          await deps.onAgentConnected({ agent, call, initialCallId: e.initialCallId ?? e.providerCallId, connectedAt: e.at, enqueuedAt: e.enqueuedAt });
          break;
        }
      }
      // The rollup rolls a contact while it is open and once after; COMPLETED (its after-contact
      // work) and anything arriving after the end may come later than that. On every delivery,
      // as the other side effects: a delivery that failed before it is finished by the next.
      if (e.type === 'COMPLETED' || endedBefore) await deps.kpisChanged(call.id);
      return added ? 'recorded' : 'repeat';
    },
  };
}
