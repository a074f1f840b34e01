import type { CallerLookup } from '../crm/lookup.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { Input } from '../ivr/types.js';
import type { CallRepo } from './call-repo.js';
import { continueIvr } from './continue-ivr.js';
import { endCall } from './end-call.js';
import { startInboundCall } from './start-call.js';
import type { CallRecord, IvrAnswer, Provider } from './types.js';

/** The call use cases with their collaborators bound; what the provider adapters call. */
export interface CallService {
  start(input: { provider: Provider; providerCallId: string; from: string; to: string | null }): Promise<IvrAnswer>;
  continue(input: { provider: Provider; providerCallId: string; seq: number; input: Input }): Promise<IvrAnswer>;
  end(input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null }): Promise<CallRecord | undefined>;
}

export function createCallService(deps: { calls: CallRepo; flows: FlowStore; lookup: CallerLookup; flowName: string; now: () => Date }): CallService {
  return {
    start: (input) => startInboundCall(deps, input),
    continue: (input) => continueIvr(deps, input),
    end: (input) => endCall(deps, input),
  };
}
