import { describe, expect, it } from 'vitest';
import { arabicForms, englishForms, normalizeArabicWord, tokenize } from '../../src/sentiment/normalize.js';

const texts = (s: string): string[] => tokenize(s).map((t) => t.text);

describe('sentiment normalisation', () => {
  it('strips diacritics and tatweel and unifies alef, taa marbuta and alef maqsura', () => {
    expect(texts('إِلْغَاء')).toEqual(texts('الغاء'));
    expect(texts('أبغى آخر')).toEqual(['ابغي', 'اخر']);
    expect(texts('مشكـــورة')).toEqual(['مشكوره']);
  });

  it('removes the definite article (also after و/ب/ف/ل) only when a real stem remains', () => {
    expect(normalizeArabicWord('الخدمة')).toBe('خدمه');
    expect(normalizeArabicWord('والخدمة')).toBe('خدمه');
    expect(normalizeArabicWord('للخدمة')).toBe('خدمه');
    expect(normalizeArabicWord('الله')).toBe('الله');
    // "still" and "now" must stay different words.
    expect(normalizeArabicWord('للحين')).not.toBe(normalizeArabicWord('الحين'));
  });

  it('peels و/ف off negators so "وما" negates like "ما"', () => {
    expect(normalizeArabicWord('وما')).toBe('ما');
    expect(normalizeArabicWord('ولا')).toBe('لا');
    expect(normalizeArabicWord('وايد')).toBe('وايد');
  });

  it('collapses elongated letters', () => {
    expect(normalizeArabicWord('شكراااا')).toBe('شكرا');
    expect(englishForms('sooo')).toContain('so');
    expect(englishForms('good')).toEqual(['good']);
  });

  it('offers prefix- and suffix-less lookup forms after the literal word', () => {
    const forms = arabicForms('وزعلانين');
    expect(forms[0]).toBe('وزعلانين');
    expect(forms).toContain('زعلان');
  });

  it('lowercases English, joins contractions and keeps digits', () => {
    expect(texts("I DON'T have 5G")).toEqual(['i', 'dont', 'have', '5g']);
    expect(texts('رقمي ٠٥٥١٢٣')).toEqual(['رقمي', '055123']);
  });

  it('splits mixed-script words and keeps emoji as tokens', () => {
    const tokens = tokenize('النتdown 😡👍');
    expect(tokens.map((t) => [t.text, t.script])).toEqual([
      ['النت', 'ar'], // too short a stem to strip the article
      ['down', 'en'],
      ['😡', 'emoji'],
      ['👍', 'emoji'],
    ]);
  });

  it('maps text emoticons onto emoji', () => {
    expect(texts('ok :)')).toContain('🙂');
    expect(texts('ok :(')).toContain('🙁');
  });

  it('marks the token after punctuation as a clause start', () => {
    expect(tokenize('bad, good').map((t) => t.clauseStart)).toEqual([false, true]);
    expect(tokenize('سيء، ممتاز').map((t) => t.clauseStart)).toEqual([false, true]);
  });
});
