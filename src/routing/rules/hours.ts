/**
 * Opening-hours test for rules with `hours`, in the rule's own timezone.
 */
import { DateTime } from 'luxon';
import type { TRuleHours } from './schema.js';

// Luxon weekday: 1 = Monday … 7 = Sunday.
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Local calendar facts for one instant in one timezone. */
export interface LocalTime {
  date: string;
  day: (typeof DAY_KEYS)[number];
  hhmm: string;
}

// Luxon conversion costs ~20 µs, as much as evaluating 100 conditions, yet the answer
// only changes once a minute (zone offsets are whole minutes). Keep the latest minute
// per timezone; bounded by the number of distinct timezones in use.
const MS_PER_MINUTE = 60_000;
const lastByZone = new Map<string, { minute: number; value: LocalTime | undefined }>();

function localTimeOf(now: Date, timezone: string): LocalTime | undefined {
  const minute = Math.floor(now.getTime() / MS_PER_MINUTE);
  const hit = lastByZone.get(timezone);
  if (hit && hit.minute === minute) return hit.value;
  const local = DateTime.fromJSDate(now, { zone: timezone });
  const day = local.isValid ? DAY_KEYS[local.weekday - 1] : undefined;
  const value = day ? { date: local.toISODate() ?? '', day, hhmm: local.toFormat('HH:mm') } : undefined;
  if (lastByZone.size > 1_000) lastByZone.clear(); // only garbage input could get here
  lastByZone.set(timezone, { minute, value });
  return value;
}

/** Local time for `now` in any timezone, memoised per minute. */
export function localTimeResolver(now: Date): (timezone: string) => LocalTime | undefined {
  return (timezone) => localTimeOf(now, timezone);
}

/**
 * Is `hours` open at the resolved local time? Ranges are [start, end); a listed
 * holiday (local date) is closed all day. An invalid timezone counts as closed
 * rather than silently falling back to UTC.
 */
export function isOpenAt(hours: TRuleHours, resolve: (timezone: string) => LocalTime | undefined): boolean {
  const local = resolve(hours.timezone);
  if (!local) return false;
  if (hours.holidays?.includes(local.date)) return false;
  const ranges = hours.weekly[local.day];
  if (!ranges) return false;
  // Zero-padded "HH:MM" strings order correctly as text, including "24:00".
  return ranges.some(([start, end]) => local.hhmm >= start && local.hhmm < end);
}
