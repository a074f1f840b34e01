/**
 * Numbers a caller says in answer to a rating question ("five", "خمسة", "ثنين", "٩ من ١٠").
 *
 * Words are folded with the same normalisation as speech keywords (normalizeText), so the
 * spellings ASR produces for one word — with or without hamza, taa marbuta as ه, Arabic-Indic
 * digits — meet one dictionary entry. Gulf forms are listed beside the standard ones.
 */
import { normalizeText } from './speech.js';

const WORDS: Record<number, string[]> = {
  0: ['zero', 'صفر', 'زيرو'],
  1: ['one', 'واحد', 'واحدة', 'وحدة'],
  2: ['two', 'اثنين', 'اثنان', 'إثنين', 'ثنين', 'ثنتين', 'اثنتين', 'اتنين'],
  3: ['three', 'ثلاث', 'ثلاثة', 'ثلاثه', 'تلات', 'تلاتة'],
  4: ['four', 'أربع', 'أربعة', 'اربعه'],
  5: ['five', 'خمس', 'خمسة', 'خمسه'],
  6: ['six', 'ست', 'ستة', 'سته'],
  7: ['seven', 'سبع', 'سبعة', 'سبعه'],
  8: ['eight', 'ثمان', 'ثماني', 'ثمانية', 'ثمنية', 'ثمانيه', 'تمانية', 'ثمانة'],
  9: ['nine', 'تسع', 'تسعة', 'تسعه'],
  10: ['ten', 'عشر', 'عشرة', 'عشره'],
};

const BY_WORD = new Map<string, number>(Object.entries(WORDS).flatMap(([n, words]) => words.map((w) => [normalizeText(w), Number(n)] as const)));

// "وخمسة" (and five), "بعشرة" (with ten): a one-letter proclitic on a number word.
const PROCLITIC = /^[وب]/;

function tokenValue(token: string): number | undefined {
  if (/^[0-9]{1,3}$/.test(token)) return Number(token);
  const word = BY_WORD.get(token);
  if (word !== undefined) return word;
  return PROCLITIC.test(token) ? BY_WORD.get(token.slice(1)) : undefined;
}

/**
 * The first number in an utterance, as a caller gives a rating: "nine out of ten" is 9,
 * "خمسة من خمسة" is 5, "٧" is 7. Undefined when no word of it is a number.
 */
export function spokenNumber(utterance: string): number | undefined {
  for (const token of normalizeText(utterance).split(' ')) {
    const value = tokenValue(token);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Words ASR may hear for `min`..`max` in both languages, as speech hints. */
export function numberHints(min: number, max: number): string[] {
  const out: string[] = [];
  for (let n = min; n <= max; n++) out.push(String(n), ...(WORDS[n] ?? []));
  return out;
}
