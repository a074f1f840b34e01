// @ts-check
/** Locale-aware formatting (Intl) and the server clock, which may differ from the PC's. */
import { locale } from './i18n.js';

/**
 * Server time = local time + offset. Each durable message carries the server's `at`; the
 * largest (at − received) seen is the best lower bound of the offset. Offers expire on
 * the server's clock, so countdowns and "2 days ago" use this, not the PC clock.
 */
export const clock = {
  /** @type {number | undefined} */
  offset: undefined,
  /** @param {unknown} at a server timestamp of a message just received */
  observe(at) {
    const ms = typeof at === 'string' ? Date.parse(at) : NaN;
    if (Number.isNaN(ms)) return false;
    const candidate = ms - Date.now();
    if (this.offset === undefined || candidate > this.offset) {
      this.offset = candidate;
      return true;
    }
    return false;
  },
  now() {
    return Date.now() + (this.offset ?? 0);
  },
};

/** @param {number} amount @param {string} currency */
export function money(amount, currency) {
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency, maximumFractionDigits: Number.isInteger(amount) ? 0 : 2 }).format(amount);
  } catch {
    // An unknown currency code: the number alone is still useful.
    return `${new Intl.NumberFormat(locale()).format(amount)} ${currency}`;
  }
}

/** A signed score such as +0.4 or −0.6. @param {number} score */
export function score(score) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 2, signDisplay: 'exceptZero' }).format(score);
}

/** A mean such as 4.2 (one decimal at most). @param {number} n */
export function decimal(n) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(n);
}

/** @param {number} n */
export function integer(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

const UNITS = /** @type {const} */ ([
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]);

/** "2 days ago" / "قبل يومين", measured on the server clock. @param {string} iso */
export function relative(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const diff = ms - clock.now();
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(0, 'minute');
}

/** The absolute date and time, for a tooltip. @param {string} iso */
export function dateTime(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '' : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** "Arabic" / "العربية" for a language code. @param {string} code */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([locale()], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
