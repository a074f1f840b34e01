import type { CallerLookup } from '../crm/lookup.js';
import { normalizePhone } from '../crm/phone.js';
import { AppError } from '../errors.js';
import { startCall as startIvr } from '../ivr/engine.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { CallRepo } from './call-repo.js';
import type { CallerMemo } from './caller-memo.js';
import { commitHandoff, planHandoff, type HandoffDeps } from './handoff.js';
import { callerContext } from './caller-context.js';
import { HANG_UP } from './fallback.js';
import { settleServices, type IvrServices } from './ivr-services.js';
import { toStepRecord } from './step-record.js';
import type { IvrAnswer, Provider } from './types.js';

export interface StartCallDeps extends HandoffDeps {
  calls: CallRepo;
  callers?: CallerMemo;
  flows: FlowStore;
  lookup: CallerLookup;
  flowName: string;
  now: () => Date;
  /** What service nodes (verify, consent withdrawal) need; without it they settle as "nothing checked". */
  ivrServices?: IvrServices;
}

/**
 * A new inbound call: find the caller, run the IVR's first step, log the call. A repeat
 * delivery of the same call gets the answer it got the first time.
 *
 * The call's insert is its duplicate check (a CallSid already stored inserts nothing, and
 * its first answer is replayed): a new call, nearly every delivery, costs the lookup and
 * that one statement. A retry costs a lookup and an empty insert more than a read would.
 */
export async function startInboundCall(
  deps: StartCallDeps,
  input: { provider: Provider; providerCallId: string; from: string; to: string | null },
  signal?: AbortSignal,
): Promise<IvrAnswer> {
  const fromE164 = normalizePhone(input.from) ?? null;
  const [lookup, active] = await Promise.all([deps.lookup.lookup(fromE164 ?? undefined), deps.flows.active(deps.flowName)]);
  if (!active) throw new AppError('SERVICE_UNAVAILABLE', `no active IVR flow '${deps.flowName}'`);

  const caller = callerContext(lookup);
  const now = deps.now();
  const info = { from: fromE164 ?? input.from };
  // The call has no id until it is stored: a service node met here runs on the next webhook.
  const first = await settleServices(deps.ivrServices ?? {}, { callId: null, customerId: null, from: fromE164, flow: active.flow, caller }, info, now, startIvr(active.flow, caller, info, now));
  const plan = await planHandoff(deps, { step: first, lookup, from: fromE164 ?? input.from });
  const { step } = plan;
  const record = toStepRecord(0, active.flow.start, step);
  // Answered without us already (the fallback): that answer is what gets recorded.
  signal?.throwIfAborted();
  const created = await deps.calls.start(
    {
      provider: input.provider,
      providerCallId: input.providerCallId,
      fromRaw: input.from,
      fromE164,
      to: input.to,
      customerId: lookup.status === 'found' ? lookup.customer.id : null,
      flowName: active.name,
      flowVersion: active.version,
      startedAt: now,
    },
    record,
    step.session,
    step.outcome?.type === 'queue' ? step.outcome.queue : null,
  );
  if (created === 'duplicate') return replayFirstStep(deps.calls, input);
  // Its end came first (the row it left now holds this start too): the caller is gone, and
  // the stored first answer is the hang-up (src/calls/call-repo.ts), as a repeat replays it.
  if (created.endedAt) return { callId: created.id, actions: HANG_UP, nextSeq: 1 };
  deps.callers?.remember(created.id, lookup);
  signal?.throwIfAborted();
  await commitHandoff(deps, plan, created);
  return { callId: created.id, actions: step.actions, nextSeq: 1, created: { provider: created.provider, from: fromE164 ?? input.from, caller: lookup } };
}

/** A repeat delivery of a call we already stored: the answer it got the first time. */
async function replayFirstStep(calls: CallRepo, input: { provider: Provider; providerCallId: string }): Promise<IvrAnswer> {
  const winner = await calls.find(input.provider, input.providerCallId);
  if (!winner) throw new Error('call vanished after a duplicate insert');
  // Ended before any IVR ran for it, and not filled in by a start: the caller is gone.
  if (winner.endedAt && winner.flowVersion === 0) return { callId: winner.id, actions: HANG_UP, nextSeq: 1 };
  return replay(calls, winner.id, 0);
}

/** The stored answer to step `seq`, for a provider retry. */
export async function replay(calls: CallRepo, callId: string, seq: number): Promise<IvrAnswer> {
  const stored = await calls.step(callId, seq);
  if (!stored) throw new AppError('CONFLICT', `step ${seq} of this call has no stored answer`);
  return { callId, actions: stored.actions, nextSeq: seq + 1 };
}
