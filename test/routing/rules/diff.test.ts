import { describe, expect, it } from 'vitest';
import { diffRuleSets } from '../../../src/routing/rules/index.js';
import { exampleInput, parseSet } from './fixtures.js';

describe('diffRuleSets', () => {
  it('reports nothing for identical sets, including omitted vs explicit defaults', () => {
    const explicit = exampleInput();
    explicit.rules[0].enabled = true;
    expect(diffRuleSets(parseSet(exampleInput()), parseSet(explicit))).toEqual({
      added: [],
      removed: [],
      moved: [],
      changed: [],
      defaultChanged: [],
    });
  });

  it('reports added and removed rules without calling the rest moved', () => {
    const to = exampleInput();
    to.rules.splice(2, 1); // remove arabic-billing
    to.rules.unshift({ name: 'fraud', when: 'ivr.intent == "fraud"', queue: 'support' });
    const diff = diffRuleSets(parseSet(exampleInput()), parseSet(to));
    expect(diff.added).toEqual(['fraud']);
    expect(diff.removed).toEqual(['arabic-billing']);
    expect(diff.moved).toEqual([]);
    expect(diff.changed).toEqual([]);
  });

  it('reports a reordered rule as moved with old and new index', () => {
    const to = exampleInput();
    const [complaints] = to.rules.splice(3, 1);
    to.rules.splice(1, 0, complaints);
    expect(diffRuleSets(parseSet(exampleInput()), parseSet(to)).moved).toEqual([{ rule: 'open-complaints', from: 3, to: 1 }]);
  });

  it('reports changed fields down to skills and step fields', () => {
    const to = exampleInput();
    to.rules[1].skills = { billing: 4, sales: 1 };
    to.rules[1].steps[1].queue = 'support';
    to.rules[1].when = 'customer.tier == "platinum"';
    to.rules[2].enabled = false;
    const diff = diffRuleSets(parseSet(exampleInput()), parseSet(to));
    expect(diff.changed).toEqual([
      {
        rule: 'vip',
        fields: [
          { field: 'when', from: 'customer.accountValue >= 100000.0 || customer.tier == "platinum"', to: 'customer.tier == "platinum"' },
          { field: 'skills.billing', from: 3, to: 4 },
          { field: 'skills.sales', from: undefined, to: 1 },
          { field: 'steps[1].queue', from: 'general', to: 'support' },
        ],
      },
      { rule: 'arabic-billing', fields: [{ field: 'enabled', from: true, to: false }] },
    ]);
  });

  it('reports an added step as a whole-array change', () => {
    const to = exampleInput();
    to.rules[1].steps.push({ afterSeconds: 600, queue: 'support' });
    const [change] = diffRuleSets(parseSet(exampleInput()), parseSet(to)).changed;
    expect(change?.fields.map((f) => f.field)).toEqual(['steps']);
  });

  it('reports default target changes', () => {
    const to = exampleInput();
    to.default = { queue: 'support', priority: 20, skills: { support: 1 } };
    expect(diffRuleSets(parseSet(exampleInput()), parseSet(to)).defaultChanged).toEqual([
      { field: 'queue', from: 'general', to: 'support' },
      { field: 'priority', from: 10, to: 20 },
      { field: 'skills', from: undefined, to: { support: 1 } },
    ]);
  });
});
