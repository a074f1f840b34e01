import { pinMatches } from './pin-kdf.js';
import type { PinStore } from './pin-store.js';

export type PinVerdict = 'verified' | 'failed' | 'locked' | 'not_set';

export interface PinPolicy {
  /** Failed attempts in a row that lock the PIN (default 3). */
  maxAttempts: number;
  /** How long a lock-out lasts (default 15 minutes). */
  lockMs: number;
}

export const DEFAULT_PIN_POLICY: PinPolicy = { maxAttempts: 3, lockMs: 15 * 60_000 };

export type VerifyPin = (customerId: string, digits: string) => Promise<PinVerdict>;

/**
 * Checks digits a caller entered. A locked PIN is not checked at all (`locked`, even for
 * the right digits). The failure that reaches the limit answers `locked` so the IVR and
 * the pop learn of the lock-out at once. A success clears the failures; once a lock-out
 * has expired the caller starts again with the full number of attempts.
 */
export function createVerifyPin(deps: { pins: PinStore; now: () => Date; policy?: Partial<PinPolicy> }): VerifyPin {
  const policy = { ...DEFAULT_PIN_POLICY, ...deps.policy };
  return (customerId, digits) =>
    deps.pins.attempt<PinVerdict>(customerId, async (pin) => {
      if (!pin) return { result: 'not_set' };
      const now = deps.now();
      if (pin.lockedUntil && pin.lockedUntil > now) return { result: 'locked' };
      const failedSoFar = pin.lockedUntil ? 0 : pin.failedAttempts;
      if (await pinMatches(digits, pin)) {
        return { result: 'verified', counters: { failedAttempts: 0, lockedUntil: null } };
      }
      const failures = failedSoFar + 1;
      if (failures >= policy.maxAttempts) {
        return { result: 'locked', counters: { failedAttempts: failures, lockedUntil: new Date(now.getTime() + policy.lockMs) } };
      }
      return { result: 'failed', counters: { failedAttempts: failures, lockedUntil: null } };
    });
}
