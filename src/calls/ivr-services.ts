/**
 * Service nodes: IVR nodes that need the world (a verdict, a consent record). The engine
 * parks on them (`Step.service`); this module runs them and walks on with `resume`, so one
 * webhook can pass several of them and still answer with one set of actions.
 */
import { resume } from '../ivr/engine.js';
import type { CallInfo, Input, Session, Step } from '../ivr/types.js';
import { verdict } from '../biometrics/verify-policy.js';
import type { ServiceCall, VerifyAnswer, VerifyCaller } from './verify-caller.js';
import { answerConsent, enterConsent, type ConsentRegisterForIvr } from './ask-consent.js';
import type { ChangePin, ChangePinAnswer } from './change-pin.js';

export interface IvrServices {
  verify?: VerifyCaller;
  /** Consent withdrawal writes it; `consent` nodes read the standing answer and write the caller's. */
  consents?: ConsentRegisterForIvr;
  /** `set_pin` nodes: a verified caller's new PIN. Without it they settle as not allowed. */
  changePin?: ChangePin;
}

/** Service nodes passed in one webhook at most (validated flows cannot loop through them alone). */
const MAX_HOPS = 8;

export function isServiceNode(call: Pick<ServiceCall, 'flow'>, nodeId: string): boolean {
  const type = call.flow.nodes[nodeId]?.type;
  return type === 'verify' || type === 'consent_withdraw' || type === 'consent' || type === 'set_pin';
}

function merge(before: Step, after: Pick<Step, 'session' | 'actions' | 'events' | 'outcome' | 'service'>): Step {
  return {
    session: after.session,
    actions: [...before.actions, ...after.actions],
    events: [...before.events, ...after.events],
    ...(after.outcome ? { outcome: after.outcome } : {}),
    ...(after.service ? { service: after.service } : {}),
  };
}

/**
 * Runs the service nodes `step` stopped at until the flow asks the caller something or
 * ends. Without a call id yet (the call's first webhook) the caller is sent straight back,
 * and the next webhook runs the node.
 */
export async function settleServices(
  services: IvrServices,
  call: Omit<ServiceCall, 'callId'> & { callId: string | null },
  info: CallInfo,
  now: Date,
  first: Step,
): Promise<Step> {
  let step = first;
  for (let hop = 0; step.service && hop < MAX_HOPS; hop++) {
    if (!call.callId) return { ...step, actions: [...step.actions, { type: 'redirect' }] };
    step = merge(step, await runParked({ ...call, callId: call.callId }, step.session, info, now, services, undefined));
  }
  return step;
}

/**
 * The caller's input for the service node the session is parked on (or, with no input,
 * its first run), as the next step.
 */
export async function runParked(call: ServiceCall, session: Session, info: CallInfo, now: Date, services: IvrServices, input: Input | undefined): Promise<Step> {
  const node = call.flow.nodes[session.nodeId];
  if (node?.type === 'consent_withdraw') {
    let recorded = false;
    if (call.customerId && services.consents) {
      await services.consents.recordConsent({ customerId: call.customerId, purpose: 'voice_biometrics', granted: false, channel: 'ivr', textVersion: node.textVersion, by: `ivr:${call.callId}` });
      recorded = true;
    }
    return resume(call.flow, session, { type: 'consent_withdraw', recorded }, call.caller, info, now);
  }
  if (node?.type === 'consent') {
    const asked = input && session.verify ? await answerConsent(services.consents, call, session, input) : await enterConsent(services.consents, call, session);
    if (asked.kind === 'ask') return { session: { ...session, verify: asked.progress }, actions: asked.actions, events: asked.events };
    const resumed = resume(call.flow, session, { type: 'consent', answer: asked.answer, asked: asked.asked }, call.caller, info, now);
    return merge({ session, actions: [], events: asked.events }, resumed);
  }
  if (node?.type === 'set_pin') {
    const asked: ChangePinAnswer = !services.changePin
      ? { kind: 'done', result: 'not_allowed', events: [] }
      : input && session.verify
        ? await services.changePin.answer(call, session, input)
        : services.changePin.enter(call, session);
    if (asked.kind === 'ask') return { session: { ...session, verify: asked.progress }, actions: asked.actions, events: asked.events };
    const resumed = resume(call.flow, session, { type: 'set_pin', result: asked.result }, call.caller, info, now);
    return merge({ session, actions: [], events: asked.events }, resumed);
  }
  const answer: VerifyAnswer = services.verify
    ? input && session.verify
      ? await services.verify.answer(call, session, input)
      : await services.verify.enter(call, session)
    : // No verification configured: nothing is checked, and the flow says what that means.
      { kind: 'done', verification: verdict('skipped'), actions: [], events: [] };
  const said = answer.intent ? { ...session, intent: answer.intent } : session;
  if (answer.kind === 'ask') {
    return { session: { ...said, verify: answer.progress }, actions: answer.actions, events: answer.events };
  }
  const resumed = resume(call.flow, said, { type: 'verify', verification: answer.verification }, call.caller, info, now);
  return merge({ session, actions: answer.actions, events: answer.events }, resumed);
}
