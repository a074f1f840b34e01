/**
 * Text normalisation and keyword matching for speech input (Arabic + English).
 *
 * ASR output varies in spelling (hamza forms, taa marbuta, diacritics, digit
 * scripts), so both the utterance and the flow's keywords are folded to one
 * canonical form before comparing.
 */

// Harakat, Quranic marks, superscript alef, and tatweel carry no meaning for matching.
const DIACRITICS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]/g;

/**
 * Canonical form: lowercase, trimmed, diacritics/tatweel removed, alef forms
 * unified (أ إ آ ٱ -> ا), ة -> ه, ى -> ي, Arabic-Indic and Persian digits -> 0-9,
 * punctuation -> space, whitespace collapsed.
 */
export function normalizeText(input: string): string {
  return input
    .normalize('NFC')
    .toLowerCase()
    .replace(DIACRITICS, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .replace(/[\u0660-\u0669\u06F0-\u06F9]/g, foldDigit)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

// Attached proclitics + definite article ("الفاتورة", "بالفاتورة", "والدعم", "للمبيعات").
const ARTICLE = /^(?:[وفبك]?ال|لل)(?=\p{L}{2,})/u;

function stem(token: string): string {
  return token.replace(ARTICLE, '');
}

function tokensEqual(a: string, b: string): boolean {
  return a === b || stem(a) === stem(b);
}

/**
 * Does `utterance` mention `keyword`? True when the keyword's words appear as
 * consecutive whole words in the utterance (so "bill" doesn't match "billion"),
 * ignoring an Arabic definite article on either side.
 */
export function matchesKeyword(utterance: string, keyword: string): boolean {
  const u = normalizeText(utterance).split(' ').filter(Boolean);
  const k = normalizeText(keyword).split(' ').filter(Boolean);
  if (k.length === 0 || k.length > u.length) return false;
  for (let i = 0; i + k.length <= u.length; i++) {
    if (k.every((w, j) => tokensEqual(u[i + j] ?? '', w))) return true;
  }
  return false;
}

/** True if any keyword matches the utterance (see matchesKeyword). */
export function matchesAny(utterance: string, keywords: readonly string[] | undefined): boolean {
  return !!keywords && keywords.some((k) => matchesKeyword(utterance, k));
}

/** DTMF/spoken digits: folds Arabic-Indic digits, drops spaces/dashes; "" if anything else remains. */
export function normalizeDigits(raw: string): string {
  const s = raw.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, foldDigit).replace(/[\s-]+/g, '');
  return /^[0-9*#]+$/.test(s) ? s : '';
}

// U+0660.. (Arabic-Indic) and U+06F0.. (Extended/Persian) both map onto 0-9.
function foldDigit(d: string): string {
  const c = d.charCodeAt(0);
  return String(c >= 0x06f0 ? c - 0x06f0 : c - 0x0660);
}
