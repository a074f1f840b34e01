import { describe, expect, it } from 'vitest';
import { fillContextDefaults } from '../../../src/routing/rules/index.js';

describe('fillContextDefaults', () => {
  it('describes an unknown caller when nothing is given', () => {
    expect(fillContextDefaults(undefined)).toEqual({
      call: { from: '', language: '', queue: '', waitSeconds: 0 },
      // Neither happy nor unhappy: the experience score's neutral 70.
      customer: { known: false, tier: '', accountValue: 0, openComplaints: 0, sentiment: 0, lastAgentId: '', experienceScore: 70 },
      ivr: { path: [], intent: '', inputs: {} },
    });
  });

  it('keeps an experience score within 0-100 and ignores one that is not a number', () => {
    expect(fillContextDefaults({ customer: { experienceScore: 35.5 } }).customer.experienceScore).toBe(35.5);
    expect(fillContextDefaults({ customer: { experienceScore: 140 } }).customer.experienceScore).toBe(100);
    expect(fillContextDefaults({ customer: { experienceScore: -3 } }).customer.experienceScore).toBe(0);
    expect(fillContextDefaults({ customer: { experienceScore: 'low' } }).customer.experienceScore).toBe(70);
  });

  it('keeps given fields and fills the rest', () => {
    const ctx = fillContextDefaults({ call: { language: 'ar' }, customer: { known: true, tier: 'gold' }, ivr: { intent: 'billing' } });
    expect(ctx.call).toEqual({ from: '', language: 'ar', queue: '', waitSeconds: 0 });
    expect(ctx.customer).toMatchObject({ known: true, tier: 'gold', accountValue: 0, lastAgentId: '' });
    expect(ctx.ivr).toEqual({ path: [], intent: 'billing', inputs: {} });
  });

  it('replaces mistyped and out-of-range values from untrusted JSON', () => {
    const ctx = fillContextDefaults({
      call: { waitSeconds: 12.7, from: 5 },
      customer: { known: 'yes', accountValue: Number.NaN, openComplaints: -3, sentiment: -9 },
      ivr: { path: ['menu', 3, 'billing'], inputs: { acct: '12', pin: 1234 } },
    });
    expect(ctx.call.waitSeconds).toBe(12);
    expect(ctx.call.from).toBe('');
    expect(ctx.customer).toMatchObject({ known: false, accountValue: 0, openComplaints: 0, sentiment: -1 });
    expect(ctx.ivr.path).toEqual(['menu', 'billing']);
    expect(ctx.ivr.inputs).toEqual({ acct: '12' });
  });
});
