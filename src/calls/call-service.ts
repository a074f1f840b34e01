import type { CallerLookup, LookupResult } from '../crm/lookup.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { Input } from '../ivr/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { FileSpool } from '../spool/file-spool.js';
import { applyFallback } from './apply-fallback.js';
import type { CallRepo } from './call-repo.js';
import type { CallerMemo } from './caller-memo.js';
import { continueIvr } from './continue-ivr.js';
import { endCall } from './end-call.js';
import type { IvrServices } from './ivr-services.js';
import { HANG_UP } from './fallback.js';
import { createKeptWrites, endIsPending, type KeptWrites } from './kept-writes.js';
import { continueSurvey, startSurvey, type SurveyAnswer, type SurveyDeps } from './post-call-survey.js';
import { startInboundCall } from './start-call.js';
import type { CallRecord, IvrAnswer, Provider } from './types.js';

/** The call use cases with their collaborators bound; what the provider adapters call. */
export interface CallService {
  /** `signal` aborts once the provider has been answered without us (the fallback): nothing is applied late. */
  start(input: { provider: Provider; providerCallId: string; from: string; to: string | null }, signal?: AbortSignal): Promise<IvrAnswer>;
  continue(input: { provider: Provider; providerCallId: string; seq: number; input: Input }, signal?: AbortSignal): Promise<IvrAnswer>;
  /**
   * The provider says the call is over. Applied at once, or — when the store is away or
   * older writes are still waiting — kept durably and applied in order later ('kept').
   * An end for a call we have not seen yet is kept as that call's end.
   */
  end(input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null; from: string; to: string | null }): Promise<'applied' | 'kept'>;
  /** The outbound leg of a callback ended: the agent moves on to wrap-up. */
  callbackEnded(callId: string): Promise<'applied' | 'kept'>;
  /**
   * The caller was answered with the fallback (our side failed or was too slow at step
   * `seq`): kept durably, then recorded and the caller offered to an agent once the store
   * takes it. Never throws.
   */
  fellBack(input: { provider: Provider; providerCallId: string; from: string; to: string | null; seq: number }): Promise<void>;
  /** Where a queued caller stands, for the hold announcements. */
  waiting(input: { provider: Provider; providerCallId: string }): Promise<{ language: string; position: number; estimatedWaitSeconds: number; offerCallback: boolean } | undefined>;
  /** The caller chose to be called back: they keep their place, as a callback to their number. */
  requestCallback(input: { provider: Provider; providerCallId: string }): Promise<{ language: string; accepted: boolean }>;
  /**
   * The agent's leg of the call ended (the caller may still be on the line): the agent goes
   * to wrap-up, and the caller hears the post-call survey or is hung up on.
   */
  /** `leg`: which agent's leg ended (from the action URL); a leg transferred away is not the call's end. */
  agentLegEnded(input: { provider: Provider; providerCallId: string; talked: boolean; callerGone: boolean; leg?: string }): Promise<SurveyAnswer>;
  /** The caller answered a survey question (step `seq` of the survey). */
  continueSurvey(input: { provider: Provider; providerCallId: string; seq: number; input: Input }): Promise<SurveyAnswer>;
  /** Writes kept through a store outage and not applied yet. */
  kept: Pick<KeptWrites, 'depth' | 'bytes' | 'drained'>;
  stop(): Promise<void>;
}

/**
 * How long a provider callback waits for the store before its write is kept for later: the
 * provider is answered within a second whatever the store does (the write is then on disk).
 */
const CALLBACK_STORE_DEADLINE_MS = 750;

export function createCallService(deps: {
  calls: CallRepo;
  flows: FlowStore;
  lookup: CallerLookup;
  flowName: string;
  now: () => Date;
  logger: Logger;
  routing?: RoutingService;
  callers?: CallerMemo;
  /** Durable spool for writes a store outage would otherwise lose. */
  spool: FileSpool;
  /** Service nodes' collaborators: caller verification (voice, PIN, consent), consent withdrawal. */
  ivrServices?: IvrServices;
  /** Told of each new call once it is recorded (the screen pop starts its reads here). */
  onCallStarted?: (call: { id: string; provider: string; providerCallId: string; from: string }, caller: LookupResult) => void;
  /** Told of each call once its end is recorded (the experience score is recomputed). */
  onCallEnded?: (call: CallRecord) => void;
  /** The post-call survey's collaborators; without them every caller is hung up on after the agent. */
  surveys?: Omit<SurveyDeps, 'calls' | 'flows' | 'now' | 'logger'>;
}): CallService {
  const ended = async (input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null; endedAt: Date; from: string; to: string | null }) => {
    const call = await endCall(deps, input);
    if (call && deps.routing) await deps.routing.callEnded(call.id);
    if (call) deps.onCallEnded?.(call);
  };
  const surveys: SurveyDeps | undefined = deps.surveys && { ...deps.surveys, calls: deps.calls, flows: deps.flows, now: deps.now, logger: deps.logger };
  const kept = createKeptWrites({
    spool: deps.spool,
    logger: deps.logger,
    apply: {
      fallback: (heard, pending) => applyFallback(deps, heard, { endPending: endIsPending(pending, heard) }),
      end: (e) => ended({ ...e, endedAt: new Date(e.endedAt) }),
      callback_end: async ({ callId }) => {
        await deps.routing?.callEnded(callId, { callbackLeg: true });
      },
    },
    // Offers were held while writes were replayed; the line may have moved.
    onDrained: () => void deps.routing?.dispatch({ agentsChanged: true }),
  });

  return {
    async start(input, signal) {
      const answer = await startInboundCall(deps, input, signal);
      if (answer.created) deps.onCallStarted?.({ id: answer.callId, provider: answer.created.provider, providerCallId: input.providerCallId, from: answer.created.from }, answer.created.caller);
      return answer;
    },
    continue: (input, signal) => continueIvr(deps, input, signal),
    end(input) {
      return kept.applyOrKeep('end', { ...input, endedAt: deps.now().toISOString() }, CALLBACK_STORE_DEADLINE_MS);
    },
    callbackEnded(callId) {
      return kept.applyOrKeep('callback_end', { callId }, CALLBACK_STORE_DEADLINE_MS);
    },
    async fellBack(input) {
      // What the caller keyed or said is not kept: without the store we cannot tell a menu
      // choice from a PIN, and a PIN must never reach the disk.
      await kept.keep('fallback', { provider: input.provider, providerCallId: input.providerCallId, from: input.from, to: input.to, seq: input.seq, input: null, at: deps.now().toISOString() });
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
    async agentLegEnded(input) {
      const call = await deps.calls.find(input.provider, input.providerCallId);
      // A transfer redirects the caller, and the provider reports the leg it ended (Twilio
      // requests the <Dial action> and ignores its answer): that is not the call's end, and
      // the caller, now waiting for or talking to the next agent, is not surveyed.
      if (call && deps.routing && input.leg && !(await deps.routing.legIsCurrent(call.id, input.leg))) {
        return { actions: [], nextSeq: 1, surveying: false };
      }
      // The agent's part is over whatever the caller does next: wrap-up starts now, not after the survey.
      if (call && deps.routing) await deps.routing.callEnded(call.id);
      return surveys ? startSurvey(surveys, input) : { actions: HANG_UP, nextSeq: 1, surveying: false };
    },
    async continueSurvey(input) {
      if (!surveys) throw new AppError('NOT_FOUND', 'no survey on this call');
      return continueSurvey(surveys, input);
    },
    kept,
    stop: () => kept.stop(),
  };
}
