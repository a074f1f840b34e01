import { beforeEach, describe, expect, it } from 'vitest';
import {
  clearCompiledRuleSets,
  compileRuleSet,
  decide,
  fillContextDefaults,
  conditionCompileCount,
} from '../../../src/routing/rules/index.js';
import { exampleInput, parseSet } from './fixtures.js';

const now = new Date('2025-03-02T10:00:00Z');

describe('compileRuleSet', () => {
  beforeEach(() => clearCompiledRuleSets());

  it('returns the same compiled object for the same version', () => {
    const set = parseSet(exampleInput());
    const a = compileRuleSet(set, 7);
    expect(compileRuleSet(set, 7)).toBe(a);
    // An equal copy (e.g. re-read from the store) also hits the cache.
    expect(compileRuleSet(parseSet(exampleInput()), 7)).toBe(a);
    expect(compileRuleSet(set, 8)).not.toBe(a);
  });

  it('recompiles when different content arrives under a cached version', () => {
    const a = compileRuleSet(parseSet(exampleInput()), 0);
    const draft = exampleInput();
    draft.rules[0].priority = 99;
    const b = compileRuleSet(parseSet(draft), 0);
    expect(b).not.toBe(a);
    expect(b.rules[0]?.rule.priority).toBe(99);
  });

  it('parses each condition exactly once, then 10k decisions parse nothing', () => {
    const set = parseSet(exampleInput());
    const before = conditionCompileCount();
    const compiled = compileRuleSet(set, 1);
    expect(conditionCompileCount() - before).toBe(set.rules.length);

    const afterCompile = conditionCompileCount();
    const ctx = fillContextDefaults({ customer: { openComplaints: 1 } });
    for (let i = 0; i < 10_000; i++) {
      expect(decide(compileRuleSet(set, 1), ctx, now).rule).toBe('open-complaints');
    }
    expect(conditionCompileCount()).toBe(afterCompile);
    expect(compileRuleSet(set, 1)).toBe(compiled);
  });

  it('turns a condition that fails to compile into a skipped rule instead of throwing', () => {
    // Only possible when bypassing validation, e.g. data edited directly in the DB.
    const set = parseSet({ rules: [{ name: 'bad', when: 'customer.vip', queue: 'general' }], default: { queue: 'general' } });
    const decision = decide(compileRuleSet(set, 3), fillContextDefaults({}), now);
    expect(decision.rule).toBe('default');
    expect(decision.skipped).toEqual([{ rule: 'bad', reason: 'error: invalid condition: No such key: vip' }]);
  });

  it('hands out frozen targets so a caller cannot corrupt later decisions', () => {
    const set = parseSet(exampleInput());
    const compiled = compileRuleSet(set, 5);
    const d = decide(compiled, fillContextDefaults({ customer: { tier: 'platinum' } }), now);
    expect(() => {
      d.skills.billing = 1;
    }).toThrow(TypeError);
    // The caller's own object stays mutable.
    set.rules[0]!.priority = 1;
    expect(compiled.rules[0]?.rule.priority).toBe(100);
  });

  it('keeps a bounded number of versions', () => {
    const set = parseSet(exampleInput());
    const first = compileRuleSet(set, 1);
    for (let v = 2; v <= 100; v++) compileRuleSet(set, v);
    const before = conditionCompileCount();
    expect(compileRuleSet(set, 1)).not.toBe(first);
    expect(conditionCompileCount() - before).toBe(set.rules.length);
  });
});
