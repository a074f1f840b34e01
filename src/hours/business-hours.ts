/**
 * Business hours, shared by IVR flows ("are we open?") and routing rules ("does this rule
 * apply now?"): weekly ranges and holidays in a named time zone, Asia/Riyadh by default.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';

export const DEFAULT_TIMEZONE = 'Asia/Riyadh';

// "24:00" is allowed as an end so a range can run to midnight.
const ZTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'time must be HH:MM');
const ZRange = z.tuple([ZTime, ZTime]).refine(([a, b]) => a < b, { message: 'range end must be after its start (no overnight ranges)' });
const ZDay = z.array(ZRange).max(8).optional();

export const ZBusinessHours = z.strictObject({
  timezone: z
    .string()
    .max(64)
    .default(DEFAULT_TIMEZONE)
    .refine((tz) => IANAZone.isValidZone(tz), { message: 'unknown IANA timezone' }),
  weekly: z.strictObject({ sun: ZDay, mon: ZDay, tue: ZDay, wed: ZDay, thu: ZDay, fri: ZDay, sat: ZDay }),
  holidays: z.array(z.iso.date()).max(500).optional(),
});
export type TBusinessHours = z.infer<typeof ZBusinessHours>;
/** Parsed hours, or hand-written ones without a time zone. */
export type HoursLike = Omit<TBusinessHours, 'timezone'> & { timezone?: string };

// Luxon weekday: 1 = Monday … 7 = Sunday.
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Local calendar facts for one instant in one time zone. */
export interface LocalTime {
  date: string;
  day: (typeof DAY_KEYS)[number];
  hhmm: string;
}

// A luxon conversion costs ~20 µs, as much as evaluating 100 routing conditions, yet the
// answer only changes once a minute (zone offsets are whole minutes). Keep the latest
// minute per time zone; bounded by the number of distinct zones in use.
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

/** Local time for `now` in any time zone, memoised per minute. */
export function localTimeResolver(now: Date): (timezone: string) => LocalTime | undefined {
  return (timezone) => localTimeOf(now, timezone);
}

/**
 * Open at the resolved local time? Ranges are [start, end); a listed holiday (local date)
 * is closed all day. An invalid time zone counts as closed rather than silently using UTC.
 */
export function isOpenAt(hours: HoursLike, resolve: (timezone: string) => LocalTime | undefined): boolean {
  const local = resolve(hours.timezone ?? DEFAULT_TIMEZONE);
  if (!local) return false;
  if (hours.holidays?.includes(local.date)) return false;
  const ranges = hours.weekly[local.day];
  if (!ranges) return false;
  // Zero-padded "HH:MM" strings order correctly as text, including "24:00".
  return ranges.some(([start, end]) => local.hhmm >= start && local.hhmm < end);
}

/** Is the contact center open at `now`? */
export function isOpen(hours: HoursLike, now: Date): boolean {
  return isOpenAt(hours, localTimeResolver(now));
}
