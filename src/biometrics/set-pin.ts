import { AppError } from '../errors.js';
import { hashPin, type PinKdfParams } from './pin-kdf.js';
import type { PinStore } from './pin-store.js';

export type SetPin = (customerId: string, pin: string) => Promise<void>;

/**
 * Sets a customer's PIN (already validated: 4-8 ASCII digits). Replacing a PIN also lifts
 * a lock-out: whoever sets it (an admin, a verified caller) has proven who they are.
 * Throws NOT_FOUND for an unknown customer; the PIN never appears in an error.
 */
export function createSetPin(deps: { pins: PinStore; now: () => Date; kdf?: PinKdfParams }): SetPin {
  return async (customerId, pin) => {
    const hashed = await hashPin(pin, deps.kdf);
    if ((await deps.pins.save(customerId, hashed, deps.now())) === 'no_customer') throw new AppError('NOT_FOUND', 'no such customer');
  };
}
