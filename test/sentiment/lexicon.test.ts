import { describe, expect, it } from 'vitest';
import { compileLexicon, type LexiconSource } from '../../src/sentiment/lexicon.js';
import { AR_LEXICON } from '../../src/sentiment/lexicon-ar.js';
import { EN_LEXICON } from '../../src/sentiment/lexicon-en.js';

describe.each([
  ['Arabic', AR_LEXICON],
  ['English', EN_LEXICON],
] as [string, LexiconSource][])('%s lexicon', (_name, source) => {
  const compiled = compileLexicon(source);

  it('has a customer-service sized vocabulary with weights in −3..3', () => {
    const weights = Object.values(source.entries);
    expect(weights.length).toBeGreaterThanOrEqual(150);
    expect(weights.length).toBeLessThanOrEqual(280);
    for (const w of weights) expect(Number.isInteger(w) && w >= -3 && w <= 3).toBe(true);
  });

  it('keeps entries distinct after normalisation (no silently overwritten weights)', () => {
    expect(compiled.conflicts).toEqual([]);
  });

  it('never scores a word that is also a negator, intensifier or contrast', () => {
    for (const word of compiled.words.keys()) {
      expect(compiled.negators.has(word) || compiled.intensifiers.has(word) || compiled.contrasts.has(word), word).toBe(false);
    }
  });

  it('uses single-token negators, intensifiers and contrasts', () => {
    // A multi-word modifier would register each of its words on its own.
    for (const word of [...source.negators, ...Object.keys(source.intensifiers), ...source.contrasts]) {
      expect(word.trim().split(/\s+/)).toHaveLength(1);
    }
  });
});
