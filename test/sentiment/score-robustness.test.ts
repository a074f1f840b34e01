import { describe, expect, it } from 'vitest';
import { scoreText } from '../../src/sentiment/index.js';

describe('sentiment edge cases', () => {
  it('treats an empty or blank message as neutral', () => {
    expect(scoreText('')).toMatchObject({ label: 'neutral', score: 0 });
    expect(scoreText('   \n ')).toMatchObject({ label: 'neutral', score: 0 });
  });

  it('scores emoji on their own and alongside text', () => {
    expect(scoreText('😡').label).toBe('negative');
    expect(scoreText('👎👎').label).toBe('negative');
    expect(scoreText('😊').label).toBe('positive');
    expect(scoreText('🙏').label).toBe('positive');
    expect(scoreText('❤️').label).toBe('positive');
    expect(scoreText('👍').label).toBe('positive');
    expect(scoreText('ok 😠').label).toBe('negative');
    expect(scoreText('تم 👍').label).toBe('positive');
  });

  it('uses both lexicons for mixed Arabic/English text', () => {
    expect(scoreText('The app خربان and I am مقهور').label).toBe('negative');
    expect(scoreText('thanks يعطيك العافية').label).toBe('positive');
    // Each half alone is polar; together they still count.
    expect(scoreText('terrible بس شكرا').score).toBeGreaterThan(scoreText('terrible').score);
  });

  it('reports the dominant script as language unless one is given', () => {
    expect(scoreText('النت خربان today').language).toBe('ar');
    expect(scoreText('my internet is خربان').language).toBe('en');
    expect(scoreText('my internet is خربان', 'ar')).toMatchObject({ language: 'ar', label: 'negative' });
  });

  it('keeps scores within −1..1 even for long rants', () => {
    const rant = 'terrible awful unacceptable scam '.repeat(200);
    const r = scoreText(rant);
    expect(r.score).toBeGreaterThanOrEqual(-1);
    expect(r.label).toBe('negative');
  });

  it('returns a label for a 1 MB message without throwing', () => {
    const huge = 'شكرا thanks 😡 '.repeat(80_000) + 'x'.repeat(100_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    const r = scoreText(huge);
    expect(['negative', 'neutral', 'positive']).toContain(r.label);
    expect(Number.isFinite(r.score)).toBe(true);
  });

  it('returns a label for one unbroken 1 MB word', () => {
    expect(scoreText('ا'.repeat(1_000_000)).label).toBe('neutral');
  });

  it('never throws on junk input', () => {
    const junk: unknown[] = [null, undefined, 42, {}, '\u0000\uD800', '؟؟؟،،،', '🏳️‍🌈'.repeat(50)];
    for (const value of junk) {
      const r = scoreText(value as string);
      expect(['negative', 'neutral', 'positive']).toContain(r.label);
    }
  });
});
