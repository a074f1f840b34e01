import { describe, expect, it } from 'vitest';
import { validateRuleSet, type RuleSetError } from '../../../src/routing/rules/index.js';
import { exampleInput, known } from './fixtures.js';

function errorsOf(json: unknown): RuleSetError[] {
  const res = validateRuleSet(json, known);
  expect(res.valid).toBe(false);
  return res.valid ? [] : res.errors;
}

const rule = (over: Record<string, unknown> = {}) => ({ name: 'r', when: 'true', queue: 'general', ...over });

describe('validateRuleSet', () => {
  it('accepts the worked example and applies defaults', () => {
    const res = validateRuleSet(exampleInput(), known);
    expect(res).toMatchObject({ valid: true });
    if (!res.valid) return;
    expect(res.ruleSet.rules.map((r) => r.enabled)).toEqual([true, true, true, true]);
    expect(res.ruleSet.default.priority).toBe(10);
  });

  it('re-validates its own output after a JSON round trip', () => {
    const first = validateRuleSet(exampleInput(), known);
    if (!first.valid) throw new Error('example invalid');
    expect(validateRuleSet(JSON.parse(JSON.stringify(first.ruleSet)), known)).toEqual(first);
  });

  it('defaults rule priority to 50 and hours timezone to Asia/Riyadh', () => {
    const res = validateRuleSet(
      { rules: [rule({ hours: { weekly: { sun: [['08:00', '17:00']] } } })], default: { queue: 'general' } },
      known,
    );
    if (!res.valid) throw new Error(JSON.stringify(res.errors));
    expect(res.ruleSet.rules[0]?.priority).toBe(50);
    expect(res.ruleSet.rules[0]?.hours?.timezone).toBe('Asia/Riyadh');
  });

  it('reports a missing default', () => {
    const set = exampleInput();
    delete set.default;
    expect(errorsOf(set)).toContainEqual({ rule: 'default', field: '', message: 'required' });
  });

  it('reports unknown keys anywhere as field errors (strict objects)', () => {
    const set = exampleInput();
    set.rules[1].vipOnly = true;
    set.rules[1].steps[0].colour = 'red';
    set.default.extra = 1;
    const errors = errorsOf(set);
    expect(errors).toContainEqual({ rule: 'vip', field: 'vipOnly', message: 'unknown field' });
    expect(errors).toContainEqual({ rule: 'vip', field: 'steps[0].colour', message: 'unknown field' });
    expect(errors).toContainEqual({ rule: 'default', field: 'extra', message: 'unknown field' });
  });

  it('names a rule without a valid name by its index', () => {
    const set = exampleInput();
    set.rules[2].name = 'Not Valid!';
    const errors = errorsOf(set);
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'rules[2]', field: 'name' }));
  });

  it('reports out-of-range skill levels and priorities with their field', () => {
    const set = exampleInput();
    set.rules[1].skills.billing = 11;
    set.rules[0].priority = 101;
    const errors = errorsOf(set);
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'vip', field: 'skills.billing' }));
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'crisis', field: 'priority' }));
  });

  it('reports duplicate rule names, even when another rule is malformed', () => {
    const set = exampleInput();
    set.rules.push(rule({ name: 'vip' }));
    set.rules[0].queue = 42; // a shape error elsewhere must not hide the duplicate
    const errors = errorsOf(set);
    expect(errors).toContainEqual({ rule: 'vip', field: 'name', message: 'duplicate rule name (already used by rules[1])' });
    expect(errors.filter((e) => e.message.startsWith('duplicate'))).toHaveLength(1);
  });

  it('rejects CEL that does not parse', () => {
    const set = exampleInput();
    set.rules[2].when = 'call.language == ';
    expect(errorsOf(set)).toContainEqual(expect.objectContaining({ rule: 'arabic-billing', field: 'when' }));
  });

  it('rejects CEL reading an undeclared field', () => {
    const set = exampleInput();
    set.rules[1].when = 'customer.vip';
    expect(errorsOf(set)).toContainEqual({ rule: 'vip', field: 'when', message: 'No such key: vip' });
  });

  it('rejects CEL with mismatched types', () => {
    const set = exampleInput();
    set.rules[1].when = 'customer.accountValue > "x"';
    const [err] = errorsOf(set);
    expect(err).toMatchObject({ rule: 'vip', field: 'when' });
    expect(err?.message).toMatch(/overload/);
  });

  it('rejects CEL that does not return bool', () => {
    const set = exampleInput();
    set.rules[3].when = 'customer.openComplaints + 1';
    expect(errorsOf(set)).toContainEqual({
      rule: 'open-complaints',
      field: 'when',
      message: 'condition must return bool, got int',
    });
  });

  it('rejects unknown queues in rules, steps and the default', () => {
    const set = exampleInput();
    set.rules[0].queue = 'crysis';
    set.rules[1].steps[1].queue = 'genral';
    set.default.queue = 'nowhere';
    const errors = errorsOf(set);
    expect(errors).toContainEqual({ rule: 'crisis', field: 'queue', message: "unknown queue 'crysis'" });
    expect(errors).toContainEqual({ rule: 'vip', field: 'steps[1].queue', message: "unknown queue 'genral'" });
    expect(errors).toContainEqual({ rule: 'default', field: 'queue', message: "unknown queue 'nowhere'" });
  });

  it('rejects unknown skills in rules, steps and the default', () => {
    const set = exampleInput();
    set.rules[2].skills = { biling: 2 };
    set.rules[1].steps[0].skills = { vip_care: 1 };
    set.default.skills = { support: 1, french: 1 };
    const errors = errorsOf(set);
    expect(errors).toContainEqual({ rule: 'arabic-billing', field: 'skills.biling', message: "unknown skill 'biling'" });
    expect(errors).toContainEqual({ rule: 'vip', field: 'steps[0].skills.vip_care', message: "unknown skill 'vip_care'" });
    expect(errors).toContainEqual({ rule: 'default', field: 'skills.french', message: "unknown skill 'french'" });
  });

  it('rejects steps whose afterSeconds do not increase', () => {
    const set = exampleInput();
    set.rules[1].steps[1].afterSeconds = 30;
    expect(errorsOf(set)).toContainEqual({
      rule: 'vip',
      field: 'steps[1].afterSeconds',
      message: "afterSeconds must be greater than the previous step's (30)",
    });
  });

  it('reports rules after an always-true rule as unreachable, naming the shadowing rule', () => {
    const set = exampleInput();
    set.rules[1].when = '( true )';
    const errors = errorsOf(set);
    expect(errors).toContainEqual({
      rule: 'arabic-billing',
      field: 'when',
      message: "unreachable: rule 'vip' above always matches first",
    });
    expect(errors).toContainEqual(expect.objectContaining({ rule: 'open-complaints', field: 'when' }));
    expect(errors.find((e) => e.rule === 'vip')).toBeUndefined();
  });

  it('reports a rule repeating an earlier condition (ignoring spacing) as unreachable', () => {
    const set = exampleInput();
    set.rules[3].when = 'call.language=="ar"  &&  ivr.intent == "billing"';
    expect(errorsOf(set)).toEqual([
      { rule: 'open-complaints', field: 'when', message: "unreachable: rule 'arabic-billing' above has the same condition" },
    ]);
  });

  it('does not treat an earlier catch-all with hours, or a disabled one, as shadowing', () => {
    const weekly = { sun: [['08:00', '17:00']] };
    const withHours = { rules: [rule({ name: 'office', hours: { weekly } }), rule({ name: 'after' })], default: { queue: 'general' } };
    expect(validateRuleSet(withHours, known).valid).toBe(true);
    const disabled = { rules: [rule({ name: 'off', enabled: false }), rule({ name: 'after' })], default: { queue: 'general' } };
    expect(validateRuleSet(disabled, known).valid).toBe(true);
  });

  it('rejects invalid hours (timezone, times, inverted ranges)', () => {
    const set = { rules: [rule({ hours: { timezone: 'Mars/Olympus', weekly: { mon: [['9:00', '17:00'], ['18:00', '17:00']] } } })], default: { queue: 'general' } };
    const fields = errorsOf(set).map((e) => `${e.rule}:${e.field}`);
    expect(fields).toEqual(expect.arrayContaining(['r:hours.timezone', 'r:hours.weekly.mon[0][0]', 'r:hours.weekly.mon[1]']));
  });

  it('rejects more than 500 rules without reporting on each one', () => {
    const rules = Array.from({ length: 501 }, (_, i) => rule({ name: `r${i}` }));
    expect(errorsOf({ rules, default: { queue: 'general' } })).toEqual([{ rule: 'rules', field: '', message: 'at most 500 rules' }]);
  });

  it('accepts 500 distinct rules', () => {
    const rules = Array.from({ length: 500 }, (_, i) => rule({ name: `r${i}`, when: `customer.openComplaints == ${i}` }));
    expect(validateRuleSet({ rules, default: { queue: 'general' } }, known).valid).toBe(true);
  });

  describe('never throws on garbage', () => {
    let deep: any = {};
    for (let i = 0; i < 100_000; i++) deep = { rules: deep };
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    const cases: Array<[string, unknown]> = [
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['a string', 'rules'],
      ['an array', [1, 2, 3]],
      ['a 10 MB string', huge],
      ['a 10 MB rule name', { rules: [rule({ name: huge })], default: { queue: 'general' } }],
      ['a 10 MB condition', { rules: [rule({ when: huge })], default: { queue: 'general' } }],
      ['a 10 MB skill name', { rules: [rule({ skills: { [huge]: 1 } })], default: { queue: 'general' } }],
      ['deeply nested objects', deep],
      ['deeply nested CEL', { rules: [rule({ when: '('.repeat(900) + 'true' + ')'.repeat(900) })], default: { queue: 'general' } }],
      ['Arabic text', { rules: [rule({ name: 'فواتير', when: 'ivr.intent == "فواتير"', queue: 'الفواتير' })], default: { queue: 'عام' } }],
      ['Arabic CEL syntax', { rules: [rule({ when: 'العميل.مهم == صحيح' })], default: { queue: 'general' } }],
      ['a throwing proxy', hostile],
      ['rules as a proxy', { rules: hostile, default: { queue: 'general' } }],
    ];
    for (const [label, input] of cases) {
      it(`returns errors for ${label}`, () => {
        const res = validateRuleSet(input, known);
        expect(res.valid).toBe(false);
        if (res.valid) return;
        expect(res.errors.length).toBeGreaterThan(0);
        // Errors never echo hostile input in full.
        for (const e of res.errors) expect(JSON.stringify(e).length).toBeLessThan(1000);
      });
    }
  });

  it('accepts Arabic text in string literals and descriptions', () => {
    const set = exampleInput();
    set.rules[2].when = 'call.language == "ar" && ivr.inputs["reason"] == "فاتورة"';
    set.rules[2].description = 'المتصلون باللغة العربية';
    expect(validateRuleSet(set, known).valid).toBe(true);
  });
});
