import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/**
 * Normalises a caller number to E.164. Local Saudi forms (05XXXXXXXX), the bare
 * international form (9665XXXXXXXX) and 00-prefixed numbers all map to +9665XXXXXXXX.
 * Arabic-Indic digits are accepted because numbers typed on Arabic keyboards use them.
 * Returns undefined for anything that is not a valid number (anonymous, client:…, sip:…).
 */
export function normalizePhone(raw: string, defaultCountry: CountryCode = 'SA'): string | undefined {
  if (raw.length > 64) return undefined;
  let s = toAsciiDigits(raw).trim().replace(/[\s().-]/g, '');
  if (!/^\+?\d{4,20}$/.test(s)) return undefined;
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  // 9665… without '+': a full international number written without its plus sign.
  if (!s.startsWith('+') && s.startsWith('966') && s.length === 12) s = `+${s}`;
  const parsed = parsePhoneNumberFromString(s, defaultCountry);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}

/** Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits as ASCII; anything else unchanged. */
export function toAsciiDigits(s: string): string {
  return s
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0));
}
