import { describe, expect, it } from 'vitest';
import { sentimentTrend, summarize } from '../../src/sentiment/index.js';

describe('sentiment trend', () => {
  it('is unknown with fewer than two scores', () => {
    expect(sentimentTrend([])).toBe('unknown');
    expect(sentimentTrend([-0.8])).toBe('unknown');
  });

  it('is falling when the newest score is well below the recent mean', () => {
    expect(sentimentTrend([-0.7, 0.2, 0.1, 0, 0.3])).toBe('falling');
  });

  it('is rising when the newest score is well above the recent mean', () => {
    expect(sentimentTrend([0.6, -0.5, -0.3])).toBe('rising');
  });

  it('is steady when the change stays within 0.25', () => {
    expect(sentimentTrend([-0.5, -0.4, -0.6])).toBe('steady');
    expect(sentimentTrend([0.25, 0])).toBe('steady');
  });

  it('only compares against the previous four scores', () => {
    // The old 1.0s sit beyond the window and must not make this look like a fall.
    expect(sentimentTrend([-0.5, -0.5, -0.5, -0.5, -0.5, 1, 1, 1])).toBe('steady');
  });

  it('ignores non-finite scores from storage', () => {
    expect(sentimentTrend([-0.8, Number.NaN, 0.4])).toBe('falling');
  });
});

describe('sentiment summary', () => {
  it('is null when there is nothing to summarise', () => {
    expect(summarize([])).toBeNull();
  });

  it('weights the newest three scores 3:2:1 and labels the result', () => {
    expect(summarize([-0.9, -0.6, 0.3])).toEqual({ label: 'negative', score: -0.6, trend: 'falling' });
  });

  it('does not let one polite message erase an angry streak', () => {
    const s = summarize([0, -0.9, -0.9, -0.9]);
    expect(s?.label).toBe('negative');
    expect(s?.trend).toBe('rising');
  });

  it('summarises a single score with an unknown trend', () => {
    expect(summarize([0.7])).toEqual({ label: 'positive', score: 0.7, trend: 'unknown' });
  });
});
