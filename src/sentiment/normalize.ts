/**
 * Normalisation and tokenisation for the sentiment scorer (Arabic + English).
 *
 * Customers type the same Arabic word many ways (diacritics, hamza on/under
 * alef, ة vs ه, elongation like "شكراااا"), so lexicon keys and message text
 * both go through `tokenize`; a lexicon hit is then plain string equality.
 *
 * Deliberately self-contained (the IVR has its own folding in ivr/speech.ts)
 * so the scorer can evolve without touching call-flow matching.
 */

/** Which lexicon a token belongs to; 'other' is digits or non-Arabic/Latin scripts. */
export type Script = 'ar' | 'en' | 'emoji' | 'other';

/** One normalised token. */
export interface Token {
  /** Normalised form used for lookups. */
  text: string;
  script: Script;
  /** Punctuation or a line break came before it: negation/intensifier scope stops here. */
  clauseStart: boolean;
}

/** Work is capped here so a pasted log or attachment can't stall the timeline. */
export const MAX_CHARS = 20_000;

// Harakat, Quranic annotation marks, superscript alef and tatweel carry no sentiment.
const AR_MARKS = /[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06DC\u06DF-\u06E8\u06EA-\u06ED\u0640]/g;
// Invisible joiners/direction marks split words when pasted from other apps.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF\uFE0E\uFE0F]/g;
const AR_LETTERS = '\\u0621-\\u063A\\u0641-\\u064A\\u0671-\\u06D3\\u06FA-\\u06FC\\u0750-\\u077F\\u08A0-\\u08FF';
// Groups: 1 emoji, 2 Arabic run, 3 other letters/digits (never Arabic), 4 clause punctuation.
const TOKEN_RE = new RegExp(
  `(\\p{Extended_Pictographic})|([${AR_LETTERS}]+)|((?:(?![${AR_LETTERS}])[\\p{L}\\p{N}])+)|([.,!?;:\\n\\r\\u060C\\u061B\\u061F]+)`,
  'gu',
);

/**
 * Emoji weights (−3..+3). Customers on WhatsApp often say more with one emoji
 * than with words, so these are scored like lexicon words (but never negated:
 * an emoji is the writer's own mood, not something a "not" applies to).
 */
export const EMOJI_SCORES: ReadonlyMap<string, number> = new Map([
  ['😡', -3], ['😠', -3], ['🤬', -3], ['🤮', -3], ['👎', -2], ['😤', -2], ['😞', -2], ['😢', -2],
  ['😭', -2], ['💔', -2], ['😒', -2], ['🙄', -2], ['😩', -2], ['😫', -2], ['😖', -2], ['🤦', -2],
  ['☹', -2], ['💩', -2], ['😣', -1], ['🙁', -1], ['😕', -1], ['😔', -1], ['😑', -1],
  ['😊', 2], ['☺', 2], ['😀', 2], ['😃', 2], ['😄', 2], ['😁', 2], ['🙏', 2], ['👍', 2],
  ['👌', 2], ['👏', 2], ['💯', 2], ['🎉', 2], ['🥳', 2], ['😇', 2], ['🌹', 2], ['💐', 2],
  ['💙', 2], ['💚', 2], ['💜', 2], ['💛', 2], ['🧡', 2], ['😘', 2], ['❤', 3], ['😍', 3],
  ['🥰', 3], ['🤩', 3], ['🙂', 1], ['🤝', 1], ['✨', 1], ['🌷', 1],
]);

// Words whose "ال"/"لل" start is part of the word, or whose stripped form would
// collide with a different word (للحين "still" vs الحين "now", للاسف vs اسف).
const KEEP_WHOLE = new Set(['الله', 'لله', 'اللي', 'الي', 'الا', 'الان', 'الحين', 'للحين', 'للاسف', 'اللهم']);
const ARTICLES = ['وال', 'بال', 'فال', 'كال', 'لل', 'ال'] as const;
// Short function words that customers glue to و/ف ("وما أحد رد", "ولا شي"); peeling
// the conjunction lets negation and phrases see the word itself.
const CONJOINED = new Set(['ما', 'مو', 'لا', 'مش', 'لم', 'لن', 'ليس', 'مب', 'مافي', 'ماني', 'محد', 'ماحد']);
// Clitic pronouns / plural endings tried (only when the stem is a known word).
const AR_SUFFIXES = ['ه', 'ين', 'ون', 'ات', 'وا', 'ها', 'هم', 'كم', 'ني', 'نا', 'ك'] as const;
const AR_PROCLITICS = 'وفبلك';

/**
 * Fold Arabic spelling variants: alef forms → ا, ة → ه, ى → ي, Persian-keyboard
 * ک/ی → ك/ي. Works on whole strings; diacritics are removed separately.
 */
export function foldArabicLetters(s: string): string {
  return s.replace(/[أإآٱ]/g, 'ا').replace(/ة/g, 'ه').replace(/ى/g, 'ي').replace(/ک/g, 'ك').replace(/[یې]/g, 'ي');
}

/**
 * Canonical form of one Arabic word: letters folded, elongation ("زيييين")
 * collapsed, and the definite article (with و/ب/ف/ك/ل before it) removed when
 * at least three letters remain — shorter remainders are usually not an article.
 */
export function normalizeArabicWord(word: string): string {
  // Three or more of the same letter never occurs in standard spelling; it's emphasis.
  const s = foldArabicLetters(word.replace(AR_MARKS, '')).replace(/(.)\1{2,}/gu, '$1');
  if (KEEP_WHOLE.has(s)) return s;
  for (const article of ARTICLES) {
    if (s.startsWith(article) && s.length - article.length >= 3) return s.slice(article.length);
  }
  const first = s[0];
  if ((first === 'و' || first === 'ف') && CONJOINED.has(s.slice(1))) return s.slice(1);
  return s;
}

/**
 * Lookup candidates for an Arabic token, most literal first: the word, then
 * without one attached و/ف/ب/ل/ك, then without a common suffix. Stripping is
 * only "safe" because the scorer accepts a candidate solely when it is a known
 * lexicon word and the literal form was tried first (so "وايد", "بطيء" stay whole).
 */
export function arabicForms(word: string): string[] {
  const forms = [word];
  const first = word[0];
  if (word.length >= 4 && first !== undefined && AR_PROCLITICS.includes(first)) forms.push(word.slice(1));
  const stems = forms.slice();
  for (const stem of stems) {
    for (const suffix of AR_SUFFIXES) {
      if (stem.length - suffix.length >= 3 && stem.endsWith(suffix)) forms.push(stem.slice(0, -suffix.length));
    }
  }
  return forms;
}

/**
 * Lookup candidates for a Latin token: as written, naive singular, and for
 * elongated words ("sooo", "thanksss") the run cut to two letters ("good")
 * and to one ("so"). Elongation is only undone when it was there, so ordinary
 * double letters are never merged.
 */
export function englishForms(word: string): string[] {
  const forms = [word];
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) forms.push(word.slice(0, -1));
  if (/(.)\1\1/.test(word)) forms.push(word.replace(/(.)\1{2,}/g, '$1$1'), word.replace(/(.)\1{2,}/g, '$1'));
  return forms;
}

// Text emoticons are mapped onto emoji so they share one weight table.
function replaceEmoticons(s: string): string {
  return s
    .replace(/(?:^|\s)[:;=]-?[)\]]+|\(+-?[:=](?=\s|$)|(?:^|\s):-?D\b/g, ' 🙂 ')
    .replace(/(?:^|\s)[:=]-?\(+|(?:^|\s):'\(/g, ' 🙁 ')
    .replace(/<3/g, ' ❤ ');
}

/**
 * Split text into normalised tokens. Keeps Arabic and Latin letters and
 * digits (Arabic-Indic digits folded to 0-9), emoji as single tokens, and
 * records clause breaks. Only the first `MAX_CHARS` characters are read;
 * every step is a single linear pass.
 */
export function tokenize(text: string): Token[] {
  const clipped = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const prepared = replaceEmoticons(clipped.normalize('NFKC'))
    .toLowerCase()
    .replace(INVISIBLE, '')
    .replace(AR_MARKS, '')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    // "don't" → "dont": keeps English contractions as one negator token.
    .replace(/(\p{L})['’‘`](\p{L})/gu, '$1$2');

  const tokens: Token[] = [];
  let clauseStart = false;
  for (const m of prepared.matchAll(TOKEN_RE)) {
    if (m[4] !== undefined) {
      clauseStart = true;
      continue;
    }
    let token: Token;
    if (m[1] !== undefined) token = { text: m[1], script: 'emoji', clauseStart };
    else if (m[2] !== undefined) token = { text: normalizeArabicWord(m[2]), script: 'ar', clauseStart };
    else {
      const word = m[3] ?? '';
      token = { text: word, script: /[a-z]/.test(word) ? 'en' : 'other', clauseStart };
    }
    tokens.push(token);
    clauseStart = false;
  }
  return tokens;
}
