/**
 * Business-hours check in the flow's own timezone (not the server's).
 */
import { DateTime } from 'luxon';
import type { THours } from './flow-schema.js';

export const DEFAULT_TIMEZONE = 'Asia/Riyadh';

// Luxon weekday: 1 = Monday ... 7 = Sunday.
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Accepts parsed hours (timezone defaulted) or hand-written ones without a timezone. */
export type HoursLike = Omit<THours, 'timezone'> & { timezone?: string };

/**
 * Is the contact center open at `now`?
 * Ranges are [start, end) in local wall-clock time of `hours.timezone`
 * (default Asia/Riyadh); a date listed in `holidays` (local date) is closed all day.
 * An invalid timezone counts as closed rather than silently using UTC.
 */
export function isOpen(hours: HoursLike, now: Date): boolean {
  const local = DateTime.fromJSDate(now, { zone: hours.timezone ?? DEFAULT_TIMEZONE });
  if (!local.isValid) return false;
  const date = local.toISODate();
  if (date && hours.holidays?.includes(date)) return false;
  const day = DAY_KEYS[local.weekday - 1];
  const ranges = day ? hours.weekly[day] : undefined;
  if (!ranges) return false;
  // Zero-padded "HH:MM" strings compare correctly as text, including "24:00".
  const hhmm = local.toFormat('HH:mm');
  return ranges.some(([start, end]) => hhmm >= start && hhmm < end);
}
