import { describe, expect, it } from 'vitest';
import { afterConsent, onEntry, onVoiceOutcome, verificationSummary, type EntryFacts } from '../../src/biometrics/verify-policy.js';
import type { VendorResult } from '../../src/biometrics/voice-types.js';

const node = { acceptance: 0.9, maxRisk: 0.7, onNoMatch: 'pin' as const, enrol: true };
const facts: EntryFacts = { known: true, watchlisted: false, consent: 'granted', enrolled: true, voiceAvailable: true, pin: 'ready' };
const result = (over: Partial<VendorResult> = {}) => ({ status: 'result' as const, result: { requestId: 'r', decision: 'match' as const, score: 0.95, spoof: false, fraud: { watchlistHit: false, risk: 0.1 }, ...over } });
const noRisk = { watchlist: false, spoofSuspected: false };

describe('who is verified how', () => {
  it('skips unknown callers and fails a watchlisted number closed before asking anything', () => {
    expect(onEntry({ ...facts, known: false }, node)).toEqual({ next: 'done', verification: { status: 'skipped', risk: noRisk } });
    expect(onEntry({ ...facts, watchlisted: true }, node)).toEqual({ next: 'done', fraud: 'watchlist', verification: { status: 'failed', risk: { watchlist: true, spoofSuspected: false } } });
  });

  it('asks for consent the first time, never uses voice without a grant, and enrols after a PIN when granted', () => {
    expect(onEntry({ ...facts, consent: 'none' }, node)).toEqual({ next: 'consent' });
    expect(onEntry({ ...facts, consent: 'declined' }, node)).toEqual({ next: 'pin', reason: 'consent_declined', enrolAfter: false });
    expect(onEntry(facts, node)).toEqual({ next: 'voice' });
    expect(afterConsent({ pin: 'ready', enrolled: false }, true, node)).toEqual({ next: 'pin', reason: 'not_enrolled', enrolAfter: true });
    expect(afterConsent({ pin: 'ready', enrolled: false }, true, { enrol: false })).toEqual({ next: 'pin', reason: 'not_enrolled', enrolAfter: false });
  });

  it('says locked or not enrolled when the PIN cannot be asked', () => {
    expect(onEntry({ ...facts, consent: 'declined', pin: 'locked' }, node)).toMatchObject({ verification: { status: 'locked', method: 'pin' } });
    expect(afterConsent({ pin: 'not_set', enrolled: false }, true, node)).toMatchObject({ verification: { status: 'not_enrolled' } });
    expect(onEntry({ ...facts, voiceAvailable: false, pin: 'not_set' }, node)).toMatchObject({ verification: { status: 'skipped' } });
  });

  it('verifies a match at or above the flow acceptance, and sends one below it to the PIN', () => {
    expect(onVoiceOutcome(result(), facts, node)).toEqual({ next: 'done', verification: { status: 'verified', method: 'voice', score: 0.95, risk: noRisk } });
    expect(onVoiceOutcome(result({ score: 0.9 }), facts, node)).toMatchObject({ verification: { status: 'verified' } });
    expect(onVoiceOutcome(result({ score: 0.89 }), facts, node)).toEqual({ next: 'pin', reason: 'no_match', enrolAfter: false });
    expect(onVoiceOutcome(result({ decision: 'no_match', score: 0.2 }), facts, { ...node, onNoMatch: 'fail' })).toEqual({ next: 'done', verification: { status: 'failed', method: 'voice', score: 0.2, risk: noRisk } });
  });

  it.each([
    ['the vendor watchlist', { fraud: { watchlistHit: true, risk: 0.1 } }, 'watchlist', { watchlist: true, spoofSuspected: false }],
    ['a spoof', { spoof: true }, 'spoof', { watchlist: false, spoofSuspected: true }],
    ['a high risk', { fraud: { watchlistHit: false, risk: 0.7 } }, 'risk', noRisk],
  ])('fails closed on %s even when the voice matches', (_label, over, reason, risk) => {
    expect(onVoiceOutcome(result(over), facts, node)).toEqual({ next: 'done', fraud: reason, verification: { status: 'failed', method: 'voice', risk } });
  });

  it('sends what the vendor could not decide to the PIN', () => {
    expect(onVoiceOutcome(result({ decision: 'not_enough_speech' }), facts, node)).toEqual({ next: 'pin', reason: 'not_enough_speech', enrolAfter: false });
    expect(onVoiceOutcome(result({ decision: 'not_enrolled' }), facts, node)).toEqual({ next: 'pin', reason: 'not_enrolled', enrolAfter: true });
    expect(onVoiceOutcome({ status: 'unavailable', reason: 'circuit_open' }, facts, node)).toEqual({ next: 'pin', reason: 'unavailable', enrolAfter: false });
  });

  it('writes result and method for the timeline, never a score', () => {
    expect(verificationSummary({ status: 'verified', method: 'voice', score: 0.97, risk: noRisk })).toBe('Caller verified by voice');
    expect(verificationSummary({ status: 'verified', method: 'pin', risk: noRisk }, { pinReason: 'unavailable' })).toBe('Caller verified by PIN (voice check unavailable)');
    expect(verificationSummary({ status: 'failed', method: 'voice', risk: { watchlist: false, spoofSuspected: true } }, { fraud: 'spoof' })).toBe('Verification failed by voice: fraud suspected (spoof)');
    expect(verificationSummary({ status: 'locked', method: 'pin', risk: noRisk })).toMatch(/PIN locked/);
    expect(verificationSummary({ status: 'verified', method: 'voice', score: 0.97, risk: noRisk })).not.toMatch(/0\.97/);
  });
});
