import { DateTime } from 'luxon';

/** The reporting intervals; 1h and 1d are sums of 15-minute buckets. */
export const INTERVALS = ['15m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];

export const BUCKET_MS = 15 * 60 * 1000;

/**
 * The start of the interval holding `at`, on the business time zone's clock: a day starts at
 * local midnight, an hour and a quarter-hour on the local clock (which matters for zones
 * offset by a half or three-quarter hour from UTC).
 */
export function intervalStart(at: Date, interval: Interval, zone: string): DateTime {
  const t = DateTime.fromJSDate(at, { zone });
  if (interval === '1d') return t.startOf('day');
  const hour = t.startOf('hour');
  return interval === '1h' ? hour : hour.plus({ minutes: Math.floor(t.minute / 15) * 15 });
}

// The zone's UTC offset per quarter-hour of UTC time, as luxon gives it: the rollup buckets
// every contact and agent-state change, and luxon's offset lookup (Intl formatting) was most
// of a roll's CPU. Offsets only change on quarter-hour boundaries, so the cache is exact.
const offsets = new Map<string, number>();

/** The 15-minute bucket holding `at` (its start), as stored in the rollup. */
export function bucketOf(at: Date, zone: string): Date {
  const ms = at.getTime();
  const slot = Math.floor(ms / BUCKET_MS);
  const key = `${zone}\u0000${slot}`;
  let offsetMs = offsets.get(key);
  if (offsetMs === undefined) {
    if (offsets.size > 200_000) offsets.clear();
    offsetMs = DateTime.fromMillis(slot * BUCKET_MS, { zone }).offset * 60_000;
    offsets.set(key, offsetMs);
  }
  return new Date(Math.floor((ms + offsetMs) / BUCKET_MS) * BUCKET_MS - offsetMs);
}

/** The interval after the one starting at `start`. */
export function nextInterval(start: DateTime, interval: Interval): DateTime {
  return interval === '1d' ? start.plus({ days: 1 }) : start.plus({ minutes: interval === '1h' ? 60 : 15 });
}

/** Every interval start in [from, to), `from` being an interval start. */
export function intervalStarts(from: DateTime, to: DateTime, interval: Interval): DateTime[] {
  const out: DateTime[] = [];
  for (let t = from; t < to; t = nextInterval(t, interval)) out.push(t);
  return out;
}

/** How many intervals [from, to) holds, without listing them (a range may be absurdly long). */
export function countIntervals(from: DateTime, to: DateTime, interval: Interval): number {
  if (interval === '1d') return Math.ceil(to.diff(from, 'days').days);
  return Math.ceil(to.diff(from).toMillis() / (interval === '1h' ? 3_600_000 : BUCKET_MS));
}

/** The 15-minute buckets overlapping [from, to), as their starts. */
export function bucketsBetween(from: Date, to: Date, zone: string): Date[] {
  const out: Date[] = [];
  for (let t = intervalStart(from, '15m', zone); t.toMillis() < to.getTime(); t = t.plus({ minutes: 15 })) out.push(t.toJSDate());
  return out;
}
