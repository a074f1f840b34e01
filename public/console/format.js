// @ts-check
/** Locale-aware numbers and durations, and the server's clock (waits tick on it, not the PC's). */
import { locale } from './i18n.js';

export const clock = {
  /** Server time − local time, from the last stats message. */
  offset: 0,
  /** The business time zone (the socket's hello): times of day are shown on it, whatever the PC's zone. */
  /** @type {string | undefined} */
  zone: undefined,
  /** @param {unknown} at the `at` of a message just received */
  observe(at) {
    const ms = typeof at === 'string' ? Date.parse(at) : NaN;
    if (!Number.isNaN(ms)) this.offset = ms - Date.now();
  },
  now() {
    return Date.now() + this.offset;
  },
};

/** @param {number} n */
export function integer(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

/** A 0..1 rate as a percentage; "—" when there is nothing to measure. @param {number | null | undefined} rate */
export function percent(rate) {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(rate);
}

/** Seconds as m:ss or h:mm:ss, in the locale's digits. @param {number} seconds */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => new Intl.NumberFormat(locale(), { minimumIntegerDigits: 2, useGrouping: false }).format(n);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const n = new Intl.NumberFormat(locale(), { useGrouping: false });
  return h > 0 ? `${n.format(h)}:${pad(m)}:${pad(s % 60)}` : `${n.format(m)}:${pad(s % 60)}`;
}

/** Seconds since an ISO time, on the server's clock. @param {string | null | undefined} iso */
export function secondsSince(iso) {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : Math.max(0, Math.floor((clock.now() - ms) / 1000));
}

/** @param {string} iso */
export function timeOfDay(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Intl.DateTimeFormat(locale(), { timeStyle: 'short', timeZone: clock.zone }).format(ms);
}

/** @param {string} iso */
export function dateTime(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: clock.zone }).format(ms);
}

/** @param {number} amount @param {string} currency */
export function money(amount, currency) {
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    return `${integer(amount)} ${currency}`;
  }
}
