import type { CallerLookup, LookupResult } from '../crm/lookup.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { Input } from '../ivr/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { CallRepo } from './call-repo.js';
import type { CallerMemo } from './caller-memo.js';
import { continueIvr } from './continue-ivr.js';
import { endCall } from './end-call.js';
import { startInboundCall } from './start-call.js';
import type { CallRecord, IvrAnswer, Provider } from './types.js';

/** The call use cases with their collaborators bound; what the provider adapters call. */
export interface CallService {
  start(input: { provider: Provider; providerCallId: string; from: string; to: string | null }): Promise<IvrAnswer>;
  continue(input: { provider: Provider; providerCallId: string; seq: number; input: Input }): Promise<IvrAnswer>;
  end(input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null }): Promise<CallRecord | undefined>;
  /** The outbound leg of a callback ended: the agent moves on to wrap-up. */
  callbackEnded(callId: string): Promise<void>;
  /** Where a queued caller stands, for the hold announcements. */
  waiting(input: { provider: Provider; providerCallId: string }): Promise<{ language: string; position: number; estimatedWaitSeconds: number; offerCallback: boolean } | undefined>;
  /** The caller chose to be called back: they keep their place, as a callback to their number. */
  requestCallback(input: { provider: Provider; providerCallId: string }): Promise<{ language: string; accepted: boolean }>;
}

export function createCallService(deps: {
  calls: CallRepo;
  flows: FlowStore;
  lookup: CallerLookup;
  flowName: string;
  now: () => Date;
  logger: Logger;
  routing?: RoutingService;
  callers?: CallerMemo;
  /** Told of each new call once it is recorded (the screen pop starts its reads here). */
  onCallStarted?: (call: { id: string; provider: string; from: string }, caller: LookupResult) => void;
}): CallService {
  return {
    async start(input) {
      const answer = await startInboundCall(deps, input);
      if (answer.created) deps.onCallStarted?.({ id: answer.callId, provider: answer.created.provider, from: answer.created.from }, answer.created.caller);
      return answer;
    },
    continue: (input) => continueIvr(deps, input),
    async end(input) {
      const call = await endCall(deps, input);
      if (call && deps.routing) await deps.routing.callEnded(call.id);
      return call;
    },
    async callbackEnded(callId) {
      await deps.routing?.callEnded(callId, { callbackLeg: true });
    },
    async waiting(input) {
      const call = await deps.calls.find(input.provider, input.providerCallId);
      const status = call && deps.routing ? await deps.routing.queueStatus(call.id) : undefined;
      if (!call || !status) return undefined;
      return { language: call.language, position: status.position, estimatedWaitSeconds: status.estimatedWaitSeconds, offerCallback: status.offerCallback };
    },
    async requestCallback(input) {
      const call = await deps.calls.find(input.provider, input.providerCallId);
      if (!call) throw new AppError('NOT_FOUND', 'no such call');
      // Only a real number can be called back; a withheld caller keeps waiting.
      const entry = call.fromE164 && deps.routing ? await deps.routing.requestCallback(call.id, call.fromE164) : undefined;
      return { language: call.language, accepted: Boolean(entry) };
    },
  };
}
