import { randomInt } from 'node:crypto';

/**
 * Seeded customer i owns '+9665' + i zero-padded to 8 digits, i.e. +96650XXXXXXX for
 * i < 10^7: the 50 prefix is a valid Saudi mobile range (05X with X in 0,3,4,5,6,8,9).
 * The SQL seed builds exactly the same string, so a lookup of seededPhone(i) hits row i.
 */
export const SEED_PHONE_SQL = `'+9665' || lpad(i::text, 8, '0')`;

export function seededPhone(i: number): string {
  return `+9665${String(i).padStart(8, '0')}`;
}

/** A valid Saudi mobile that no seeded customer has (the 055 range is never seeded). */
export function unknownPhone(): string {
  return `+96655${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

export function seededCustomerId(i: number): string {
  return `bench-${i}`;
}
