import { describe, expect, it } from 'vitest';
import { compileRuleSet, decide, fillContextDefaults, requirementsAt } from '../../../src/routing/rules/index.js';
import { exampleInput, parseSet } from './fixtures.js';

const vipDecision = () =>
  decide(compileRuleSet(parseSet(exampleInput()), 1), fillContextDefaults({ customer: { tier: 'platinum' } }), new Date());

describe('requirementsAt (escalation timeline)', () => {
  it('relaxes VIP requirements step by step and keeps earlier relaxations', () => {
    const d = vipDecision();
    expect(d.rule).toBe('vip');
    const timeline = [0, 29, 30, 119, 120, 3600].map((s) => [s, requirementsAt(d, s)] as const);
    expect(timeline).toEqual([
      [0, { queue: 'priority', priority: 90, skills: { billing: 3 }, offerCallback: false, stepIndex: -1 }],
      [29, { queue: 'priority', priority: 90, skills: { billing: 3 }, offerCallback: false, stepIndex: -1 }],
      [30, { queue: 'priority', priority: 90, skills: {}, offerCallback: false, stepIndex: 0 }],
      [119, { queue: 'priority', priority: 90, skills: {}, offerCallback: false, stepIndex: 0 }],
      [120, { queue: 'general', priority: 90, skills: {}, offerCallback: true, stepIndex: 1 }],
      [3600, { queue: 'general', priority: 90, skills: {}, offerCallback: true, stepIndex: 1 }],
    ]);
  });

  it('lets a later step override only the fields it sets', () => {
    const base = {
      queue: 'billing',
      priority: 40,
      skills: { billing: 4 },
      steps: [
        { afterSeconds: 10, skills: { billing: 2 }, priority: 60 },
        { afterSeconds: 20, offerCallback: true },
        { afterSeconds: 30, priority: 80, offerCallback: false },
      ],
    };
    expect(requirementsAt(base, 15)).toEqual({ queue: 'billing', priority: 60, skills: { billing: 2 }, offerCallback: false, stepIndex: 0 });
    expect(requirementsAt(base, 25)).toEqual({ queue: 'billing', priority: 60, skills: { billing: 2 }, offerCallback: true, stepIndex: 1 });
    expect(requirementsAt(base, 30)).toEqual({ queue: 'billing', priority: 80, skills: { billing: 2 }, offerCallback: false, stepIndex: 2 });
  });

  it('returns the decision unchanged when there are no steps', () => {
    const d = decide(compileRuleSet(parseSet(exampleInput()), 1), fillContextDefaults({}), new Date());
    expect(requirementsAt(d, 10_000)).toEqual({ queue: 'general', priority: 10, skills: {}, offerCallback: false, stepIndex: -1 });
  });
});
