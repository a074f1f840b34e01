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
 * The duplicate check stays in front (a sequential retry costs one read, not a CRM lookup
 * and a failed insert). Measured: insert-first saved one query per call, but then a burst
 * of new calls starts every CRM lookup at once and callers past the lookup budget are
 * not recognised (test/routing/concurrency.test.ts on Postgres).
 */
export async function startInboundCall(
  deps: StartCallDeps,
  input: { provider: Provider; providerCallId: string; from: string; to: string | null },
  signal?: AbortSignal,
): Promise<IvrAnswer> {
  const existing = await deps.calls.find(input.provider, input.providerCallId);
  // Its end came first and no IVR ran for it: the caller is gone.
  if (existing?.endedAt && existing.flowVersion === 0) return { callId: existing.id, actions: HANG_UP, nextSeq: 1 };
  if (existing) return replay(deps.calls, existing.id, 0);

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
  deps.callers?.remember(created.id, lookup);
  signal?.throwIfAborted();
  if (!created.endedAt) await commitHandoff(deps, plan, created);
  return { callId: created.id, actions: step.actions, nextSeq: 1, created: { provider: created.provider, from: fromE164 ?? input.from, caller: lookup } };
}

/** A repeat delivery of a call we already stored: the answer it got the first time. */
async function replayFirstStep(calls: CallRepo, input: { provider: Provider; providerCallId: string }): Promise<IvrAnswer> {
  const winner = await calls.find(input.provider, input.providerCallId);
  if (!winner) throw new Error('call vanished after a duplicate insert');
  return replay(calls, winner.id, 0);
}

/** The stored answer to step `seq`, for a provider retry. */
export async function replay(calls: CallRepo, callId: string, seq: number): Promise<IvrAnswer> {
  const stored = await calls.step(callId, seq);
  if (!stored) throw new AppError('CONFLICT', `step ${seq} of this call has no stored answer`);
  return { callId, actions: stored.actions, nextSeq: seq + 1 };
}
