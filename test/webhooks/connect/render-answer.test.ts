import { describe, expect, it } from 'vitest';
import type { FlowResult } from '../../../src/calls/external-flow.js';
import { MAX_VALUE_BYTES, renderAnswer, truncateUtf8 } from '../../../webhooks/connect/render-answer.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('the flow answer Connect reads', () => {
  it('a customer name far over the limit is cut at a character boundary, Arabic with its marks and emoji whole', () => {
    const name = 'عَبْدُ الرَّحْمٰنِ 👨‍👩‍👧 '.repeat(200);
    const result: FlowResult = {
      known: true,
      customer: { id: 'c-long', name, language: 'ar', tier: 'gold'.repeat(500), accountValue: { amount: 1e15, currency: 'SAR' } },
      language: 'ar',
      verification: 'verified',
      route: { queue: 'priority', queueArn: `arn:aws:connect:x:1:instance/i/queue/${'q'.repeat(5000)}`, priority: 90, callbackOffered: true },
      degraded: false,
    };
    const answer = renderAnswer(result);
    expect(bytes(JSON.stringify(answer))).toBeLessThan(32 * 1024);
    for (const v of Object.values(answer)) expect(bytes(v)).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    expect(name.startsWith(answer.customerName)).toBe(true);
    // No lone surrogate, no mark without its letter, no half family emoji.
    expect(answer.customerName).toBe(Buffer.from(answer.customerName, 'utf8').toString('utf8'));
    const segments = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(answer.customerName)].map((s) => s.segment);
    const whole = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(name)].map((s) => s.segment);
    expect(segments).toEqual(whole.slice(0, segments.length));
  });

  it('short values pass untouched; an unknown caller still gets every key, as strings', () => {
    expect(truncateUtf8('نورة القحطاني')).toBe('نورة القحطاني');
    expect(renderAnswer({ known: false, customer: null, language: 'en', verification: null, route: null, degraded: true })).toEqual({
      known: 'false', customerId: '', customerName: '', language: 'en', tier: '', accountValue: '', verification: '', queue: '', queueArn: '', priority: '', callbackOffered: 'false', degraded: 'true',
    });
  });
});
