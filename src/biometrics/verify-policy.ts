/**
 * Who gets verified how: the policy of a `verify` step, as pure decisions (README: "Voice
 * biometrics", the policy table). The call layer gathers the facts and acts on the answers.
 */
import type { TVerifyNode } from '../ivr/flow-schema.js';
import type { PinReason, Verification } from '../ivr/types.js';
import type { VendorResult, VoiceOutcome } from './voice-types.js';

export type ConsentAnswer = 'granted' | 'declined' | 'none';
export type PinState = 'ready' | 'locked' | 'not_set';
export type FraudReason = 'watchlist' | 'spoof' | 'risk';

const NO_RISK = { watchlist: false, spoofSuspected: false } as const;

export const verdict = (
  status: Verification['status'],
  extra: { method?: Verification['method']; score?: number; risk?: Partial<Verification['risk']> } = {},
): Verification => ({
  status,
  ...(extra.method ? { method: extra.method } : {}),
  ...(extra.score !== undefined ? { score: extra.score } : {}),
  risk: { ...NO_RISK, ...extra.risk },
});

/** What the policy needs to know about the caller as the step begins. */
export interface EntryFacts {
  /** A customer we know (by number); nobody else is verified. */
  known: boolean;
  /** Their number, or their speaker id, is on our fraud watchlist. */
  watchlisted: boolean;
  consent: ConsentAnswer;
  /** A voiceprint is enrolled at the vendor (false when no vendor is configured). */
  enrolled: boolean;
  /** Voice verification can run at all (a vendor is configured). */
  voiceAvailable: boolean;
  pin: PinState;
}

export type Next =
  | { next: 'done'; verification: Verification; fraud?: FraudReason }
  | { next: 'consent' }
  | { next: 'voice' }
  | { next: 'pin'; reason: PinReason; enrolAfter: boolean };

/** Without a way to check the PIN: locked, or nothing to verify with. */
export function toPin(facts: Pick<EntryFacts, 'pin'>, reason: PinReason, enrolAfter: boolean): Next {
  if (facts.pin === 'locked') return { next: 'done', verification: verdict('locked', { method: 'pin' }) };
  if (facts.pin === 'not_set') return { next: 'done', verification: verdict(reason === 'not_enrolled' ? 'not_enrolled' : 'skipped') };
  return { next: 'pin', reason, enrolAfter };
}

/**
 * The first decision. A watchlisted number fails closed before anything is asked; no voice
 * without a recorded grant; a caller never asked hears the consent question once.
 */
export function onEntry(facts: EntryFacts, node: Pick<TVerifyNode, 'enrol'>): Next {
  if (facts.watchlisted) return { next: 'done', verification: verdict('failed', { risk: { watchlist: true } }), fraud: 'watchlist' };
  if (!facts.known) return { next: 'done', verification: verdict('skipped') };
  if (!facts.voiceAvailable) return toPin(facts, 'unavailable', false);
  if (facts.consent === 'none') return { next: 'consent' };
  return afterConsent(facts, facts.consent === 'granted', node);
}

/** The caller's standing (or just given) consent answer decides between voice and PIN. */
export function afterConsent(facts: Pick<EntryFacts, 'pin' | 'enrolled'>, granted: boolean, node: Pick<TVerifyNode, 'enrol'>): Next {
  if (!granted) return toPin(facts, 'consent_declined', false);
  if (facts.enrolled) return { next: 'voice' };
  return toPin(facts, 'not_enrolled', node.enrol);
}

/**
 * The vendor's answer. Fraud fails closed even on a match (the caller is not told why); a
 * match verifies only at or above the flow's acceptance; anything the vendor could not
 * decide goes to the PIN.
 */
export function onVoiceOutcome(
  outcome: Exclude<VoiceOutcome, { status: 'pending' }>,
  facts: Pick<EntryFacts, 'pin'>,
  node: Pick<TVerifyNode, 'acceptance' | 'maxRisk' | 'onNoMatch' | 'enrol'>,
): Next {
  if (outcome.status === 'unavailable') return toPin(facts, 'unavailable', false);
  const r: VendorResult = outcome.result;
  const fraud: FraudReason | undefined = r.fraud.watchlistHit ? 'watchlist' : r.spoof ? 'spoof' : r.fraud.risk >= node.maxRisk ? 'risk' : undefined;
  if (fraud) {
    return { next: 'done', fraud, verification: verdict('failed', { method: 'voice', risk: { watchlist: r.fraud.watchlistHit, spoofSuspected: r.spoof } }) };
  }
  switch (r.decision) {
    case 'match':
      if (r.score >= node.acceptance) return { next: 'done', verification: verdict('verified', { method: 'voice', score: r.score }) };
      return noMatch(r.score, facts, node);
    case 'no_match':
      return noMatch(r.score, facts, node);
    case 'not_enough_speech':
      return toPin(facts, 'not_enough_speech', false);
    case 'not_enrolled':
      return toPin(facts, 'not_enrolled', node.enrol);
  }
}

function noMatch(score: number, facts: Pick<EntryFacts, 'pin'>, node: Pick<TVerifyNode, 'onNoMatch'>): Next {
  if (node.onNoMatch === 'fail') return { next: 'done', verification: verdict('failed', { method: 'voice', score }) };
  return toPin(facts, 'no_match', false);
}

/** One line for the customer's timeline: result and method, never a score or a payload. */
export function verificationSummary(v: Verification, opts: { pinReason?: PinReason; fraud?: FraudReason } = {}): string {
  const by = v.method === 'voice' ? 'by voice' : v.method === 'pin' ? 'by PIN' : '';
  const why: Partial<Record<PinReason, string>> = {
    unavailable: 'voice check unavailable',
    not_enough_speech: 'not enough speech for a voice check',
    not_enrolled: 'no voiceprint yet',
    no_match: 'voice did not match',
    consent_declined: 'no consent to voice biometrics',
    no_consent_answer: 'consent question not answered',
  };
  const reason = opts.pinReason && v.method === 'pin' ? why[opts.pinReason] : undefined;
  const suffix = reason ? ` (${reason})` : '';
  switch (v.status) {
    case 'verified':
      return `Caller verified ${by}${suffix}`;
    case 'failed':
      return opts.fraud ? `Verification failed${by ? ` ${by}` : ''}: fraud suspected (${opts.fraud})` : `Verification failed ${by}${suffix}`.trimEnd();
    case 'locked':
      return 'Verification failed: PIN locked after too many wrong attempts';
    case 'not_enrolled':
      return 'Not verified: no voiceprint or PIN on file';
    case 'skipped':
      return `Not verified${suffix || ' (no PIN on file)'}`;
  }
}
