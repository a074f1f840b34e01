/**
 * `matches` in routing conditions runs on RE2: linear in the input, so a catastrophic
 * pattern cannot stall the node (before, `^(a+)+$` against 29 a's and "!" took seconds
 * with the event loop blocked). Patterns RE2 cannot run that way are refused when the rule
 * is validated, naming the rule and field; one that only turns up at run time fails that
 * evaluation and the rule is skipped, never hangs.
 */
import { describe, expect, it } from 'vitest';
import { compileCondition } from '../../../src/routing/rules/condition.js';
import { toCelVariables } from '../../../src/routing/rules/context.js';
import { compileRuleSet, decide, fillContextDefaults, validateRuleSet, type RoutingContextInput } from '../../../src/routing/rules/index.js';
import { known } from './fixtures.js';

function evaluate(when: string, ctx: RoutingContextInput): boolean {
  const condition = compileCondition(when);
  if (!condition.ok) throw new Error(condition.error);
  return condition.evaluate(toCelVariables(ctx));
}

const REDOS = '^(a+)+$';

describe('matches in routing conditions', () => {
  // The exact input from the report, and a longer one that takes a backtracking engine minutes even on a fast machine.
  it.each([29, 34])('answers %i a\'s and "!" against ^(a+)+$ with false, and the a\'s alone with true', (n) => {
    const when = `call.from.matches("${REDOS}")`;
    expect(evaluate(when, { call: { from: `${'a'.repeat(n)}!` } })).toBe(false);
    expect(evaluate(when, { call: { from: 'a'.repeat(n) } })).toBe(true);
  });

  it('uses RE2 syntax: inline flags and \\z work as RE2 defines them', () => {
    expect(evaluate('call.language.matches("(?i)^AR$")', { call: { language: 'ar' } })).toBe(true);
    // In a JavaScript RegExp `\z` is a literal "z"; in RE2 it is the end of the text.
    expect(evaluate('call.from.matches("66\\\\z")', { call: { from: '+96650066' } })).toBe(true);
    expect(evaluate('call.from.matches("66\\\\z")', { call: { from: '+96650066z' } })).toBe(false);
  });

  it('finds the pattern anywhere in the text unless anchored (CEL semantics)', () => {
    expect(evaluate('call.from.matches("^\\\\+9665")', { call: { from: '+966501234567' } })).toBe(true);
    expect(evaluate('call.from.matches("0123")', { call: { from: '+966501234567' } })).toBe(true);
    expect(evaluate('call.from.matches("^0123")', { call: { from: '+966501234567' } })).toBe(false);
  });

  it.each([
    ['a backreference', '(a)\\\\1'],
    ['a lookahead', 'a(?=b)'],
    ['a lookbehind', '(?<!a)b'],
    ['broken syntax', '[0-9'],
  ])('refuses %s when the condition is compiled, saying why', (_label, pattern) => {
    const res = compileCondition(`call.from.matches("${pattern}")`);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toMatch(/^matches\(\): unsupported regular expression .*RE2 syntax; no backreferences or lookaround/);
  });

  it('refuses a backreference in validation, naming the rule and field', () => {
    const res = validateRuleSet(
      {
        rules: [
          { name: 'repeat-digits', when: 'call.from.matches("(\\\\d)\\\\1{3}")', queue: 'general' },
          { name: 'vip', when: 'customer.tier == "gold"', queue: 'general' },
        ],
        default: { queue: 'general' },
      },
      known,
    );
    expect(res.valid).toBe(false);
    if (res.valid) return;
    expect(res.errors).toEqual([{ rule: 'repeat-digits', field: 'when', message: expect.stringMatching(/backreferences/) }]);
  });

  it('refuses a bad pattern anywhere in the condition, inside a macro too', () => {
    expect(compileCondition('ivr.path.exists(p, p.matches("(x)\\\\1"))').ok).toBe(false);
    expect(compileCondition('customer.known || call.from.matches("(?=1)")').ok).toBe(false);
    expect(evaluate('ivr.path.exists(p, p.matches("^(a+)+$"))', { ivr: { path: [`${'a'.repeat(34)}!`, 'aaa'] } })).toBe(true);
  });

  it('fails only that evaluation when a run-time pattern is unsupported, and the rule is skipped', () => {
    const when = 'call.from.matches(ivr.inputs["pattern"])';
    expect(compileCondition(when).ok).toBe(true);
    expect(evaluate(when, { call: { from: `${'a'.repeat(34)}!` }, ivr: { inputs: { pattern: REDOS } } })).toBe(false);
    expect(() => evaluate(when, { call: { from: 'aa' }, ivr: { inputs: { pattern: '(a)\\1' } } })).toThrow(/backreferences/);

    const checked = validateRuleSet({ rules: [{ name: 'by-input', when, queue: 'sales' }], default: { queue: 'general' } }, known);
    if (!checked.valid) throw new Error(JSON.stringify(checked.errors));
    const ctx = fillContextDefaults({ call: { from: 'aa' }, ivr: { inputs: { pattern: '(a)\\1' } } });
    const decision = decide(compileRuleSet(checked.ruleSet, 9001), ctx, new Date());
    expect(decision.rule).toBe('default');
    expect(decision.skipped).toEqual([{ rule: 'by-input', reason: expect.stringMatching(/^error: matches\(\): unsupported regular expression/) }]);
  });

  it('reports type errors with the name the author wrote', () => {
    const res = compileCondition('call.waitSeconds.matches("1")');
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toContain('int.matches(string)');
  });

  it('keeps the condition text as written in its canonical form', () => {
    const res = compileCondition('call.from.matches(  "^\\\\+966" )');
    expect(res.ok && res.canonical).toBe('call.from.matches("^\\\\+966")');
  });
});
