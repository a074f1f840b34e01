import { describe, expect, it } from 'vitest';
import { scoreText } from '../../src/sentiment/index.js';

describe('English message sentiment', () => {
  it.each([
    'I am very angry, this is unacceptable!',
    'My internet has been down for three days and nobody called back',
    'You overcharged me again, I want a refund or I will cancel',
    'Still waiting. Terrible service.',
    'The agent was rude and hung up on me',
  ])('labels the complaint %j negative', (text) => {
    const r = scoreText(text);
    expect(r).toMatchObject({ label: 'negative', language: 'en' });
    expect(r.score).toBeLessThan(-0.15);
  });

  it.each(['Thank you so much!', 'Thanks, the issue is resolved', 'Great support, really helpful agent'])(
    'labels the thanks/praise %j positive',
    (text) => {
      expect(scoreText(text).label).toBe('positive');
    },
  );

  it.each(['I want to update my address', 'What time does the store open?', 'My account number is 12345'])(
    'labels the factual request %j neutral',
    (text) => {
      expect(scoreText(text)).toEqual({ label: 'neutral', score: 0, language: 'en' });
    },
  );

  it('turns a negated positive negative', () => {
    expect(scoreText('not happy').label).toBe('negative');
    expect(scoreText("I'm not happy with this").label).toBe('negative');
    expect(scoreText("it doesn't work").label).toBe('negative');
  });

  it('does not call a negated negative negative', () => {
    expect(scoreText('not bad').label).not.toBe('negative');
    expect(scoreText('not bad').score).toBeGreaterThan(0);
  });

  it('dampens negation: "not good" is milder than "bad" is strong', () => {
    expect(scoreText('not good').score).toBeGreaterThan(scoreText('terrible').score);
  });

  it('lets intensifiers strengthen the next word', () => {
    expect(scoreText('very bad').score).toBeLessThan(scoreText('bad').score);
    expect(scoreText('really great').score).toBeGreaterThan(scoreText('great').score);
  });

  it('stops negation at punctuation', () => {
    expect(scoreText('No. Great job').label).toBe('positive');
  });

  it('scores elongated words like their plain form', () => {
    expect(scoreText('thanksss').label).toBe('positive');
  });
});
