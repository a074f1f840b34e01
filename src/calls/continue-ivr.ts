import { AppError } from '../errors.js';
import { advance } from '../ivr/engine.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { Input } from '../ivr/types.js';
import type { CallerLookup } from '../crm/lookup.js';
import type { CallRepo } from './call-repo.js';
import type { CallerMemo } from './caller-memo.js';
import { commitHandoff, planHandoff, type HandoffDeps } from './handoff.js';
import { callerContext } from './caller-context.js';
import { HANG_UP } from './fallback.js';
import { isServiceNode, runParked, settleServices, type IvrServices } from './ivr-services.js';
import { replay } from './start-call.js';
import { toStepRecord } from './step-record.js';
import type { IvrAnswer, Provider } from './types.js';

export interface ContinueIvrDeps extends HandoffDeps {
  calls: CallRepo;
  callers?: CallerMemo;
  flows: FlowStore;
  lookup: CallerLookup;
  now: () => Date;
  /** What service nodes (verify, consent withdrawal) need; without it they settle as "nothing checked". */
  ivrServices?: IvrServices;
}

/**
 * The caller answered (or did not answer) an IVR prompt. `seq` comes from the action URL
 * we gave the provider, so a retried or late delivery is recognised and answered the
 * same way without advancing the IVR twice.
 */
export async function continueIvr(
  deps: ContinueIvrDeps,
  input: { provider: Provider; providerCallId: string; seq: number; input: Input },
  signal?: AbortSignal,
): Promise<IvrAnswer> {
  const call = await deps.calls.find(input.provider, input.providerCallId);
  if (!call) throw new AppError('NOT_FOUND', 'no such call');
  if (call.endedAt && call.flowVersion === 0) return { callId: call.id, actions: HANG_UP, nextSeq: input.seq + 1 };
  if (input.seq <= call.stepSeq) return replay(deps.calls, call.id, input.seq);
  if (input.seq !== call.stepSeq + 1) throw new AppError('CONFLICT', `step ${input.seq} is ahead of the call (at ${call.stepSeq})`);

  // The call finishes on the version it started with, even if a new one was published since.
  const active = await deps.flows.version(call.flowName, call.flowVersion);
  if (!active) throw new AppError('SERVICE_UNAVAILABLE', `IVR flow '${call.flowName}' v${call.flowVersion} is gone`);
  const lookup = deps.callers?.get(call.id) ?? (await deps.lookup.lookup(call.fromE164 ?? undefined));
  deps.callers?.remember(call.id, lookup);
  const caller = callerContext(lookup);
  const now = deps.now();
  const info = { from: call.fromE164 ?? '' };
  const services = deps.ivrServices ?? {};
  const here = { callId: call.id, customerId: call.customerId, from: call.fromE164, flow: active.flow, caller };
  // Parked on a service node (a verify step in progress): the answer is its, not the engine's.
  const raw = isServiceNode(here, call.session.nodeId)
    ? await runParked(here, call.session, info, now, services, call.session.verify ? input.input : undefined)
    : advance(active.flow, call.session, input.input, caller, info, now);
  const settled = await settleServices(services, here, info, now, raw);
  const plan = await planHandoff(deps, { step: settled, lookup, from: call.fromE164 ?? '' });
  const { step } = plan;
  const record = toStepRecord(input.seq, call.session.nodeId, step);
  // Answered without us already (the fallback): that answer is what gets recorded.
  signal?.throwIfAborted();
  const saved = await deps.calls.advance(
    call,
    record,
    step.session,
    step.outcome?.type === 'queue' ? step.outcome.queue : null,
    step.outcome?.type === 'hangup',
  );
  if (saved === 'duplicate') return replay(deps.calls, call.id, input.seq);
  signal?.throwIfAborted();
  // A call that has ended moves no further: the late step is on its record, nothing queues.
  if (!saved.endedAt) await commitHandoff(deps, plan, saved);
  return { callId: call.id, actions: step.actions, nextSeq: input.seq + 1 };
}
