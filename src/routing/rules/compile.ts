/**
 * Turns a validated rule set into ready-to-run evaluators, once per version.
 */
import { compileCondition, type ConditionFn } from './condition.js';
import type { TDefaultTarget, TRule, TRuleSet } from './schema.js';

/** A "why this rule did not match" entry; see decide(). */
export interface SkipEntry {
  readonly rule: string;
  readonly reason: string;
}

/** A rule plus its condition evaluator. */
export interface CompiledRule {
  rule: TRule;
  /** Throws when evaluation fails at runtime (decide() reports it as skipped). */
  evaluate: ConditionFn;
  // Built once because nearly every decision skips most rules: reusing frozen entries
  // keeps a 200-rule walk from allocating 200 strings and objects per call.
  readonly skipDisabled: SkipEntry;
  readonly skipHours: SkipEntry;
  readonly skipFalse: SkipEntry;
}

/** Immutable, pre-compiled form of one rule-set version. */
export interface CompiledRuleSet {
  readonly version: number;
  /** Deep-frozen copy of the rule set this was compiled from. */
  readonly source: TRuleSet;
  readonly rules: ReadonlyArray<CompiledRule>;
  readonly default: TDefaultTarget;
  /**
   * Whether any enabled rule can depend on the caller's last agent (preferLastAgent, or a
   * condition naming customer.lastAgentId): when none can, routing skips that lookup.
   */
  readonly usesLastAgent: boolean;
  /** Whether any enabled rule's condition names customer.experienceScore: when none does, routing skips reading it. */
  readonly usesExperienceScore: boolean;
}

// Published versions never change, so one compilation per version suffices. Bounded
// so a long publish history (or a simulator compiling drafts) cannot grow memory forever.
const MAX_CACHED_VERSIONS = 32;
const cache = new Map<number, { input: TRuleSet; compiled: CompiledRuleSet }>();

/**
 * Compile every condition of `ruleSet` once. Calling again with the same version
 * returns the same object. If a different rule set arrives under a cached version
 * (e.g. an unpublished draft simulated as version 0) it is recompiled, so stale
 * evaluators are never used. Conditions that fail to compile (only possible for an
 * unvalidated set) become evaluators that throw, so the rule is skipped with the
 * compile error as its reason.
 */
export function compileRuleSet(ruleSet: TRuleSet, version: number): CompiledRuleSet {
  const cached = cache.get(version);
  if (cached && (cached.input === ruleSet || sameContent(cached.compiled.source, ruleSet))) {
    // Refresh recency so hot versions survive eviction.
    cache.delete(version);
    cache.set(version, cached);
    return cached.compiled;
  }
  // Decisions hand out the rule's own skills/steps objects; freezing a private copy
  // means a caller mutating a decision cannot corrupt routing for every later call.
  const source = deepFreeze(structuredClone(ruleSet));
  const compiled: CompiledRuleSet = Object.freeze({
    version,
    source,
    rules: Object.freeze(source.rules.map(compileRule)),
    default: source.default,
    usesLastAgent: source.rules.some((r) => r.enabled && (r.preferLastAgent !== undefined || r.when.includes('lastAgentId'))),
    usesExperienceScore: source.rules.some((r) => r.enabled && r.when.includes('experienceScore')),
  });
  cache.delete(version);
  cache.set(version, { input: ruleSet, compiled });
  while (cache.size > MAX_CACHED_VERSIONS) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) break;
    cache.delete(oldest);
  }
  return compiled;
}

/** Forget all compiled versions (tests; or after a rule store reset). */
export function clearCompiledRuleSets(): void {
  cache.clear();
}

function compileRule(rule: TRule): CompiledRule {
  const skip = (reason: string): SkipEntry => Object.freeze({ rule: rule.name, reason });
  const entries = {
    skipDisabled: skip('disabled'),
    skipHours: skip('outside hours'),
    skipFalse: skip(`condition false: ${rule.when}`),
  };
  const condition = compileCondition(rule.when);
  if (condition.ok) return { rule, evaluate: condition.evaluate, ...entries };
  const message = `invalid condition: ${condition.error}`;
  return {
    rule,
    evaluate: () => {
      throw new Error(message);
    },
    ...entries,
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

// Only reached when an object other than the cached one comes in, i.e. rarely.
function sameContent(a: TRuleSet, b: TRuleSet): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
