import { describe, expect, it } from 'vitest';
import { matchesKeyword, normalizeDigits, normalizeText } from '../../src/ivr/speech.js';
import { promptText } from '../../src/ivr/prompts.js';

describe('normalizeText', () => {
  it('strips diacritics and tatweel, unifies alef/taa marbuta/alef maqsura', () => {
    expect(normalizeText('  أَهْلاً  ')).toBe('اهلا');
    expect(normalizeText('إنـــترنت')).toBe('انترنت');
    expect(normalizeText('آمنة')).toBe('امنه');
    expect(normalizeText('مستشفى')).toBe('مستشفي');
  });

  it('folds Arabic-Indic digits and lowercases English', () => {
    expect(normalizeText('Account ١٢٣')).toBe('account 123');
  });
});

describe('matchesKeyword', () => {
  it('matches an Arabic keyword carrying the definite article in the utterance', () => {
    expect(matchesKeyword('أريد دفع الفاتورة', 'فاتورة')).toBe(true);
    expect(matchesKeyword('مشكلة في الإنترنت', 'انترنت')).toBe(true);
  });

  it('matches multi-word keywords as a phrase', () => {
    expect(matchesKeyword('أحتاج الدعم الفني من فضلك', 'الدعم الفني')).toBe(true);
    expect(matchesKeyword('الفني الدعم', 'الدعم الفني')).toBe(false);
  });

  it('requires whole words', () => {
    expect(matchesKeyword('billion dollars', 'bill')).toBe(false);
    expect(matchesKeyword('Pay my BILL, please', 'bill')).toBe(true);
  });
});

describe('normalizeDigits', () => {
  it('folds Arabic-Indic digits and keeps * and #', () => {
    expect(normalizeDigits('١٢٣ ٤٥٦')).toBe('123456');
    expect(normalizeDigits('*')).toBe('*');
    expect(normalizeDigits('12a')).toBe('');
  });
});

describe('promptText', () => {
  const greet = { ar: 'أهلاً بعودتك يا {name}.', en: 'Welcome back, {name}!' };

  it('fills {name} for known callers', () => {
    expect(promptText(greet, 'en', 'Sara')).toBe('Welcome back, Sara!');
    expect(promptText(greet, 'ar', 'سارة')).toBe('أهلاً بعودتك يا سارة.');
  });

  it('reads well when the name is unknown', () => {
    expect(promptText(greet, 'en', '')).toBe('Welcome back!');
    expect(promptText(greet, 'ar', '')).toBe('أهلاً بعودتك.');
  });

  it('prefers the known variant only when a name exists', () => {
    const p = { ar: 'أهلاً بك.', en: 'Welcome.', enKnown: 'Welcome back, {name}.' };
    expect(promptText(p, 'en', 'Omar')).toBe('Welcome back, Omar.');
    expect(promptText(p, 'en', '')).toBe('Welcome.');
    expect(promptText(p, 'ar', 'Omar')).toBe('أهلاً بك.');
  });
});
