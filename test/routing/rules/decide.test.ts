import { beforeEach, describe, expect, it } from 'vitest';
import {
  clearCompiledRuleSets,
  compileRuleSet,
  decide,
  fillContextDefaults,
  type RoutingContextInput,
} from '../../../src/routing/rules/index.js';
import { exampleInput, parseSet } from './fixtures.js';

// Sunday 2025-03-02 13:00 in Riyadh (UTC+3).
const sundayNoonRiyadh = new Date('2025-03-02T10:00:00Z');

const run = (input: RoutingContextInput, set = exampleInput(), now = sundayNoonRiyadh, version = 1) =>
  decide(compileRuleSet(parseSet(set), version), fillContextDefaults(input), now);

describe('decide', () => {
  beforeEach(() => clearCompiledRuleSets());

  it('routes an unremarkable caller to the default target, listing why each rule was skipped', () => {
    const d = run({ call: { language: 'en' } });
    expect(d).toEqual({
      version: 1,
      rule: 'default',
      queue: 'general',
      priority: 10,
      skills: {},
      steps: [],
      skipped: [
        { rule: 'crisis', reason: 'condition false: ivr.intent == "crisis" || customer.sentiment < -0.7' },
        { rule: 'vip', reason: 'condition false: customer.accountValue >= 100000.0 || customer.tier == "platinum"' },
        { rule: 'arabic-billing', reason: 'condition false: call.language == "ar" && ivr.intent == "billing"' },
        { rule: 'open-complaints', reason: 'condition false: customer.openComplaints > 0' },
      ],
    });
  });

  it('lets the first matching rule win', () => {
    // Matches vip, arabic-billing and open-complaints; vip comes first.
    const d = run({ call: { language: 'ar' }, customer: { accountValue: 250_000, openComplaints: 2 }, ivr: { intent: 'billing' } });
    expect(d).toMatchObject({ rule: 'vip', queue: 'priority', priority: 90, skills: { billing: 3 } });
    expect(d.skipped.map((s) => s.rule)).toEqual(['crisis']);
    expect(d.steps).toHaveLength(2);
  });

  it('routes callers in crisis first, by intent or by sentiment', () => {
    expect(run({ ivr: { intent: 'crisis' }, customer: { tier: 'platinum' } })).toMatchObject({ rule: 'crisis', queue: 'crisis', priority: 100, skipped: [] });
    expect(run({ customer: { sentiment: -0.9 } }).rule).toBe('crisis');
  });

  it('matches integer fields given as JS numbers', () => {
    expect(run({ customer: { openComplaints: 1 } })).toMatchObject({ rule: 'open-complaints', queue: 'complaints' });
  });

  it('offers the last agent only when the customer has one', () => {
    const vip = { customer: { tier: 'platinum', lastAgentId: 'agent-7' } };
    expect(run(vip).preferLastAgent).toEqual({ agentId: 'agent-7', withinHours: 72 });
    expect(run({ customer: { tier: 'platinum' } })).not.toHaveProperty('preferLastAgent');
    // A rule without preferLastAgent never sets it.
    expect(run({ customer: { openComplaints: 1, lastAgentId: 'agent-7' } })).not.toHaveProperty('preferLastAgent');
  });

  it('skips disabled rules', () => {
    const set = exampleInput();
    set.rules[0].enabled = false;
    const d = run({ ivr: { intent: 'crisis' } }, set);
    expect(d.rule).toBe('default');
    expect(d.skipped[0]).toEqual({ rule: 'crisis', reason: 'disabled' });
  });

  describe('hours', () => {
    const withHours = () => {
      const set = exampleInput();
      // Sunday–Thursday 08:00–17:00 Riyadh time, closed on a national holiday.
      const day = [['08:00', '17:00']];
      set.rules[3].hours = { weekly: { sun: day, mon: day, tue: day, wed: day, thu: day }, holidays: ['2025-09-23'] };
      return set;
    };
    const complaint = { customer: { openComplaints: 1 } };

    it('matches while open, in the rule timezone', () => {
      expect(run(complaint, withHours(), new Date('2025-03-02T05:00:00Z')).rule).toBe('open-complaints'); // 08:00 local
    });

    it('skips the rule as "outside hours" when closed', () => {
      for (const when of ['2025-03-02T14:00:00Z' /* 17:00 local, end is exclusive */, '2025-03-07T09:00:00Z' /* Friday */, '2025-09-23T09:00:00Z' /* holiday */]) {
        const d = run(complaint, withHours(), new Date(when));
        expect(d.rule).toBe('default');
        expect(d.skipped).toContainEqual({ rule: 'open-complaints', reason: 'outside hours' });
      }
    });

    it('re-evaluates hours at each minute boundary (local time is memoised per minute)', () => {
      const set = withHours();
      expect(run(complaint, set, new Date('2025-03-02T13:59:00Z')).rule).toBe('open-complaints'); // 16:59 local
      expect(run(complaint, set, new Date('2025-03-02T13:59:59.999Z')).rule).toBe('open-complaints');
      expect(run(complaint, set, new Date('2025-03-02T14:00:00Z')).rule).toBe('default'); // 17:00 local
      expect(run(complaint, set, new Date('2025-03-02T13:59:30Z')).rule).toBe('open-complaints'); // going back
    });

    it('uses the configured timezone instead of the default', () => {
      const set = withHours();
      set.rules[3].hours.timezone = 'Europe/London';
      // 10:00 UTC = 10:00 London (open) but 13:00 Riyadh; 15:00 UTC = 18:00 Riyadh but 15:00 London.
      expect(run(complaint, set, new Date('2025-03-02T15:00:00Z')).rule).toBe('open-complaints');
    });
  });

  it('skips a rule whose evaluation fails at runtime and carries on', () => {
    const set = exampleInput();
    set.rules.unshift({ name: 'account-flag', when: 'ivr.inputs["account"] == "frozen"', queue: 'support' });
    const d = run({ customer: { openComplaints: 1 } }, set);
    expect(d.rule).toBe('open-complaints');
    expect(d.skipped[0]).toEqual({ rule: 'account-flag', reason: 'error: No such key: account' });
    // With the key present the same rule matches.
    expect(run({ ivr: { inputs: { account: 'frozen' } } }, set, sundayNoonRiyadh, 2).rule).toBe('account-flag');
  });

  it('does not throw when handed a context with holes (typed as complete)', () => {
    const compiled = compileRuleSet(parseSet(exampleInput()), 1);
    const d = decide(compiled, { customer: { openComplaints: 2 } } as never, sundayNoonRiyadh);
    expect(d.rule).toBe('open-complaints');
  });

  it('falls back to the default when there are no rules', () => {
    const d = run({}, { rules: [], default: { queue: 'general', skills: { support: 1 }, steps: [{ afterSeconds: 60, skills: {} }] } });
    expect(d).toMatchObject({ rule: 'default', queue: 'general', priority: 10, skills: { support: 1 }, skipped: [] });
    expect(d.steps).toEqual([{ afterSeconds: 60, skills: {} }]);
  });
});
