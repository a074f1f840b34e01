/**
 * A `consent` node across webhooks, the way the verify node's consent phase runs: the
 * register's standing answer is used as is; otherwise the caller is asked in their
 * language, and their answer is recorded (channel `ivr`, the node's text version, with its
 * timeline entry) before the flow branches on it.
 */
import { AppError } from '../errors.js';
import { askConsent, type ConsentView } from '../ivr/consent-actions.js';
import type { TConsentNode } from '../ivr/flow-schema.js';
import type { Action, Input, IvrEvent, IvrEventResult, Session, VerifyProgress } from '../ivr/types.js';
import { standingAnswer, type ConsentRegister } from '../privacy/consent-register.js';
import type { ServiceCall } from './verify-caller.js';

export type ConsentRegisterForIvr = Pick<ConsentRegister, 'recordConsent' | 'latestConsents'>;

export type ConsentNodeAnswer =
  | { kind: 'ask'; actions: Action[]; events: IvrEvent[]; progress: VerifyProgress }
  | { kind: 'done'; answer: 'granted' | 'declined' | 'skipped' | 'no_answer'; asked: boolean; events: IvrEvent[] };

function view(call: ServiceCall, session: Session): ConsentView {
  const node = call.flow.nodes[session.nodeId];
  if (node?.type !== 'consent') throw new Error(`node ${session.nodeId} is not a consent node`);
  return { flow: call.flow, nodeId: session.nodeId, node, lang: session.language, caller: call.caller };
}

const ev = (v: ConsentView, result: IvrEventResult, input?: string): IvrEvent => ({
  type: 'ivr_step',
  nodeId: v.nodeId,
  nodeType: 'consent',
  ...(input !== undefined ? { input } : {}),
  result,
  phase: 'ask',
  language: v.lang,
});

/** The caller just reached the node: a standing answer settles it, else the question. */
export async function enterConsent(consents: ConsentRegisterForIvr | undefined, call: ServiceCall, session: Session): Promise<ConsentNodeAnswer> {
  const v = view(call, session);
  if (!call.customerId) return { kind: 'done', answer: 'skipped', asked: false, events: [] };
  // No register wired in: nothing could be recorded, so nobody is asked and nothing is assumed.
  if (!consents) return { kind: 'done', answer: 'no_answer', asked: false, events: [] };
  const standing = standingAnswer(await consents.latestConsents(call.customerId), v.node.purpose);
  if (standing !== 'none') return { kind: 'done', answer: standing, asked: false, events: [] };
  return { kind: 'ask', actions: askConsent(v), events: [ev(v, 'pending')], progress: { phase: 'consent', attempts: 0 } };
}

/** The caller pressed a key (or nothing) at the question. */
export async function answerConsent(consents: ConsentRegisterForIvr | undefined, call: ServiceCall, session: Session, input: Input): Promise<ConsentNodeAnswer> {
  const v = view(call, session);
  const p = session.verify;
  if (!consents || !call.customerId || p?.phase !== 'consent') return enterConsent(consents, call, session);
  const node: TConsentNode = v.node;
  const key = input.digits?.trim();
  if (key === node.agreeKey || key === node.declineKey) {
    const granted = key === node.agreeKey;
    const events = [ev(v, 'matched', key)];
    try {
      await consents.recordConsent({ customerId: call.customerId, purpose: node.purpose, granted, channel: 'ivr', textVersion: node.textVersion, by: `ivr:${call.callId}` });
    } catch (err) {
      // Erased while on the line: they are an unknown caller now, who cannot consent.
      if (err instanceof AppError && err.code === 'NOT_FOUND') return { kind: 'done', answer: 'skipped', asked: true, events };
      throw err;
    }
    return { kind: 'done', answer: granted ? 'granted' : 'declined', asked: true, events };
  }
  const kind = key ? 'invalid' : 'no_input';
  const attempts = p.attempts + 1;
  const events = [ev(v, kind, key || undefined)];
  if (attempts < node.retries) return { kind: 'ask', actions: askConsent(v, kind), events, progress: { phase: 'consent', attempts } };
  // No answer is no consent: nothing is recorded.
  return { kind: 'done', answer: 'no_answer', asked: true, events };
}
