/**
 * Lexicon shape and compilation into lookup tables.
 *
 * Sources are written in ordinary spelling (easy to review by a native
 * speaker); compilation runs every key through the same `tokenize` as the
 * messages, so "إلغاء" in a source and "الغاء" in a message meet as one key.
 */
import { tokenize } from './normalize.js';

/** How an intensifier/downtoner scales a nearby sentiment word. */
export interface IntensifierSpec {
  /** Multiplier (>1 strengthens, <1 softens). */
  mult: number;
  /** Applies to the next sentiment word ("very bad"). */
  pre?: boolean;
  /** Applies to the sentiment word just before it ("سيئة جدا", "thanks much"). */
  post?: boolean;
}

/** Hand-curated lexicon for one language. Weights are −3..+3. */
export interface LexiconSource {
  /** Words and multi-word phrases. A phrase weighted 0 blocks its words from scoring. */
  entries: Readonly<Record<string, number>>;
  negators: readonly string[];
  intensifiers: Readonly<Record<string, IntensifierSpec>>;
  /** "but"-like words: negation/intensifier scope never crosses them. */
  contrasts: readonly string[];
}

/** A multi-token entry, matched on normalised tokens. */
export interface Phrase {
  tokens: readonly string[];
  value: number;
}

/** Lookup-ready lexicon. */
export interface CompiledLexicon {
  words: ReadonlyMap<string, number>;
  /** First token → phrases starting with it, longest first (longest match wins). */
  phrases: ReadonlyMap<string, readonly Phrase[]>;
  negators: ReadonlySet<string>;
  intensifiers: ReadonlyMap<string, IntensifierSpec>;
  contrasts: ReadonlySet<string>;
  /** Source keys that normalised onto an existing key with a different weight (should stay empty). */
  conflicts: readonly string[];
}

function normKey(key: string): string[] {
  return tokenize(key).map((t) => t.text);
}

/** Normalise a source into lookup tables. Pure; call once at module load. */
export function compileLexicon(src: LexiconSource): CompiledLexicon {
  const words = new Map<string, number>();
  const phraseByKey = new Map<string, Phrase>();
  const conflicts: string[] = [];

  for (const [raw, value] of Object.entries(src.entries)) {
    const tokens = normKey(raw);
    if (tokens.length === 0) continue;
    const key = tokens.join(' ');
    const prior = tokens.length === 1 ? words.get(key) : phraseByKey.get(key)?.value;
    if (prior !== undefined && prior !== value) conflicts.push(raw);
    if (tokens.length === 1) words.set(key, value);
    else phraseByKey.set(key, { tokens, value });
  }

  const phrases = new Map<string, Phrase[]>();
  for (const phrase of phraseByKey.values()) {
    const first = phrase.tokens[0] ?? '';
    const list = phrases.get(first) ?? [];
    list.push(phrase);
    phrases.set(first, list);
  }
  for (const list of phrases.values()) list.sort((a, b) => b.tokens.length - a.tokens.length);

  const single = (list: readonly string[]): Set<string> => new Set(list.flatMap(normKey));
  const intensifiers = new Map<string, IntensifierSpec>();
  for (const [raw, spec] of Object.entries(src.intensifiers)) {
    for (const key of normKey(raw)) intensifiers.set(key, spec);
  }

  return {
    words,
    phrases,
    negators: single(src.negators),
    intensifiers,
    contrasts: single(src.contrasts),
    conflicts,
  };
}
