import type { PinStore } from './pin-store.js';
import type { PinState } from './verify-policy.js';

export type ReadPinState = (customerId: string) => Promise<PinState>;

/** Whether a caller can be asked for their PIN: set and not locked out right now. */
export function createReadPinState(deps: { pins: Pick<PinStore, 'counters'>; now: () => Date }): ReadPinState {
  return async (customerId) => {
    const c = await deps.pins.counters(customerId);
    if (!c) return 'not_set';
    return c.lockedUntil && c.lockedUntil > deps.now() ? 'locked' : 'ready';
  };
}
