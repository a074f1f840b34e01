/**
 * Lexicon-based sentiment for one customer message (Arabic and/or English).
 *
 * One left-to-right pass over the tokens: phrases first (longest match), then
 * negators, contrast words, intensifiers, and finally single words. The sum
 * of weighted hits is squashed with tanh so one strong word already reads as
 * clearly positive/negative while a long rant saturates at ±1 instead of
 * growing without bound.
 */
import { AR_LEXICON } from './lexicon-ar.js';
import { EN_LEXICON } from './lexicon-en.js';
import { compileLexicon, type CompiledLexicon, type IntensifierSpec, type Phrase } from './lexicon.js';
import { arabicForms, EMOJI_SCORES, englishForms, tokenize, type Token } from './normalize.js';

/** Polarity bucket shown on the timeline. */
export type SentimentLabel = 'negative' | 'neutral' | 'positive';
/** Languages the scorer has lexicons for. */
export type SentimentLanguage = 'ar' | 'en';

/** Result of scoring one message. */
export interface SentimentResult {
  label: SentimentLabel;
  /** −1 (very negative) .. 1 (very positive), rounded to 3 decimals. */
  score: number;
  /** The language given, else the dominant script (ties and no letters → 'ar'). */
  language: SentimentLanguage;
}

/** Scores within ±this are 'neutral'. */
export const NEUTRAL_BAND = 0.15;
// tanh(sum / 3): a single −2 word → −0.58, "not bad" (+1) → +0.32, sums ≥ 6 → ~±0.96.
const SQUASH = 3;
// How many following tokens a negator reaches ("not very happy", "ما أحد رد").
const NEGATION_WINDOW = 3;
// "not good" is nearly as bad as "bad"; "not bad" is only mildly good.
const FLIP_POSITIVE = 0.8;
const FLIP_NEGATIVE = 0.5;
// Stacked intensifiers ("جدا جدا جدا") stop adding weight beyond this.
const MAX_BOOST = 2.5;
// A pre-intensifier must reach its word within this many tokens.
const BOOST_WINDOW = 2;

const LEXICONS: Record<SentimentLanguage, CompiledLexicon> = {
  ar: compileLexicon(AR_LEXICON),
  en: compileLexicon(EN_LEXICON),
};

/** Map a −1..1 score to its label using the ±NEUTRAL_BAND neutral band. */
export function labelFor(score: number): SentimentLabel {
  if (!Number.isFinite(score)) return 'neutral';
  if (score > NEUTRAL_BAND) return 'positive';
  if (score < -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

function matchPhrase(lex: CompiledLexicon, tokens: readonly Token[], at: number): Phrase | undefined {
  const first = tokens[at];
  const candidates = first ? lex.phrases.get(first.text) : undefined;
  if (!candidates) return undefined;
  outer: for (const phrase of candidates) {
    for (let k = 1; k < phrase.tokens.length; k++) {
      const t = tokens[at + k];
      // Phrases never span a clause break: "ما، رد" is not "ما رد".
      if (!t || t.clauseStart || t.text !== phrase.tokens[k]) continue outer;
    }
    return phrase;
  }
  return undefined;
}

function formsOf(token: Token): string[] {
  return token.script === 'ar' ? arabicForms(token.text) : englishForms(token.text);
}

function firstHit<T>(map: ReadonlyMap<string, T>, forms: readonly string[]): T | undefined {
  for (const form of forms) {
    const hit = map.get(form);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function detectLanguage(tokens: readonly Token[]): SentimentLanguage {
  let ar = 0;
  let en = 0;
  for (const t of tokens) {
    if (t.script === 'ar') ar += t.text.length;
    else if (t.script === 'en') en += t.text.length;
  }
  // Arabic is the primary market, so it wins ties (including "no letters at all").
  return en > ar ? 'en' : 'ar';
}

interface LastHit {
  at: number;
  value: number;
  boost: number;
}

/** Scan state; an object (not loose lets) so helpers can update it. */
interface ScanState {
  sum: number;
  negationLeft: number;
  boost: number;
  boostLeft: number;
  /** Most recent hit, so a following "جدا"/"much" can strengthen it. */
  last: LastHit | null;
}

function resetScope(s: ScanState): void {
  s.negationLeft = 0;
  s.boost = 1;
  s.boostLeft = 0;
  s.last = null;
}

function addHit(s: ScanState, weight: number, at: number): void {
  const boost = s.boostLeft > 0 ? s.boost : 1;
  let value = weight * boost;
  if (s.negationLeft > 0) value = value > 0 ? -value * FLIP_POSITIVE : -value * FLIP_NEGATIVE;
  s.sum += value;
  s.last = { at, value, boost };
  s.boost = 1;
  s.boostLeft = 0;
}

// Moves the negation/intensifier windows past `n` ordinary tokens.
function advance(s: ScanState, n: number): void {
  s.negationLeft = Math.max(0, s.negationLeft - n);
  s.boostLeft = Math.max(0, s.boostLeft - n);
  if (s.boostLeft === 0) s.boost = 1;
}

function applyIntensifier(s: ScanState, spec: IntensifierSpec, at: number): void {
  const prev = s.last;
  if (spec.post && prev && at - prev.at <= BOOST_WINDOW) {
    // Re-weight the previous hit in place (its negation is already in `value`).
    const boost = Math.min(MAX_BOOST, prev.boost * spec.mult);
    const value = (prev.value / prev.boost) * boost;
    s.sum += value - prev.value;
    s.last = { at: prev.at, value, boost };
  } else if (spec.pre) {
    s.boost = Math.min(MAX_BOOST, (s.boostLeft > 0 ? s.boost : 1) * spec.mult);
    s.boostLeft = BOOST_WINDOW;
  }
}

/** Raw (unsquashed) weighted sum of all hits. Exported for tests and tuning. */
export function rawSentiment(tokens: readonly Token[]): number {
  const s: ScanState = { sum: 0, negationLeft: 0, boost: 1, boostLeft: 0, last: null };
  for (let i = 0; i < tokens.length; ) {
    const t = tokens[i] as Token;
    if (t.clauseStart) resetScope(s);
    const lex = t.script === 'ar' || t.script === 'en' ? LEXICONS[t.script] : undefined;
    if (!lex) {
      // Emoji are the writer's own mood: scored, never negated or intensified.
      if (t.script === 'emoji') s.sum += EMOJI_SCORES.get(t.text) ?? 0;
      advance(s, 1);
      i++;
      continue;
    }
    const phrase = matchPhrase(lex, tokens, i);
    if (phrase) {
      if (phrase.value !== 0) addHit(s, phrase.value, i + phrase.tokens.length - 1);
      advance(s, phrase.tokens.length);
      i += phrase.tokens.length;
      continue;
    }
    const forms = formsOf(t);
    if (forms.some((f) => lex.negators.has(f))) {
      s.negationLeft = NEGATION_WINDOW;
    } else if (lex.contrasts.has(t.text)) {
      resetScope(s);
    } else {
      // Intensifiers neither score nor use up a negation window ("not very happy").
      const spec = firstHit(lex.intensifiers, forms);
      if (spec) applyIntensifier(s, spec, i);
      else {
        const weight = firstHit(lex.words, forms);
        if (weight !== undefined && weight !== 0) addHit(s, weight, i);
        advance(s, 1);
      }
    }
    i++;
  }
  return s.sum;
}

/**
 * Score a customer message. Detects the language by script when `language`
 * is not given; Arabic and Latin tokens are always scored with their own
 * lexicon, so code-switched messages ("the app خربان") count both halves —
 * a given `language` only fixes the reported language. Reads at most the
 * first 20,000 characters, runs in linear time, and never throws (anything
 * unexpected yields a neutral result).
 */
export function scoreText(text: string, language?: SentimentLanguage): SentimentResult {
  const hint = language === 'ar' || language === 'en' ? language : undefined;
  try {
    if (typeof text !== 'string' || text.length === 0) return { label: 'neutral', score: 0, language: hint ?? 'ar' };
    const tokens = tokenize(text);
    const raw = rawSentiment(tokens);
    const squashed = Math.tanh(raw / SQUASH);
    const score = Number.isFinite(squashed) ? Math.round(squashed * 1000) / 1000 || 0 : 0;
    return { label: labelFor(score), score, language: hint ?? detectLanguage(tokens) };
  } catch {
    return { label: 'neutral', score: 0, language: hint ?? 'ar' };
  }
}
