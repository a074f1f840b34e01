/**
 * Picks the routing target for one call: first matching rule wins, else the default.
 */
import type { CompiledRuleSet, SkipEntry } from './compile.js';
import { toCelVariables, type RoutingContext } from './context.js';
import { firstLine } from './condition.js';
import { isOpenAt, localTimeResolver } from '../../hours/business-hours.js';
import type { TSkillLevels, TStep } from './schema.js';

export { requirementsAt, type Requirements } from './requirements.js';

/**
 * Why a rule before the winner did not match: "disabled", "outside hours",
 * "condition false: <when>" or "error: <message>". Entries may be shared, frozen
 * objects: treat them as read-only.
 */
export type SkippedRule = SkipEntry;

/** The routing decision for a call (before agent selection). */
export interface Decision {
  version: number;
  /** Matching rule's name, or "default". */
  rule: string;
  queue: string;
  priority: number;
  skills: TSkillLevels;
  /** Only when the rule asks for it and the customer has a last agent. */
  preferLastAgent?: { agentId: string; withinHours: number };
  /** A transfer to a named agent: the call is offered to them alone, until they decline or miss it. */
  onlyAgentId?: string;
  steps: TStep[];
  skipped: SkippedRule[];
}

/**
 * Walk the rules in order and return the first match (or the default target).
 * Never throws: a condition that fails at runtime is skipped with its error, so one
 * bad rule degrades routing instead of dropping the call.
 */
export function decide(compiled: CompiledRuleSet, ctx: RoutingContext, now: Date): Decision {
  const skipped: SkippedRule[] = [];
  let vars: ReturnType<typeof toCelVariables> | undefined;
  try {
    vars = toCelVariables(ctx);
  } catch (err) {
    // Unreachable with fillContextDefaults, but a failure here must still route the call.
    skipped.push({ rule: '*', reason: `error: ${firstLine(err)}` });
  }
  const localTime = localTimeResolver(now);

  if (vars) {
    for (const compiledRule of compiled.rules) {
      const { rule, evaluate } = compiledRule;
      if (!rule.enabled) {
        skipped.push(compiledRule.skipDisabled);
        continue;
      }
      if (rule.hours && !isOpenAt(rule.hours, localTime)) {
        skipped.push(compiledRule.skipHours);
        continue;
      }
      let matched: boolean;
      try {
        matched = evaluate(vars);
      } catch (err) {
        skipped.push({ rule: rule.name, reason: `error: ${firstLine(err)}` });
        continue;
      }
      if (!matched) {
        skipped.push(compiledRule.skipFalse);
        continue;
      }
      const lastAgentId = ctx.customer?.lastAgentId;
      return {
        version: compiled.version,
        rule: rule.name,
        queue: rule.queue,
        priority: rule.priority,
        skills: rule.skills ?? {},
        ...(rule.preferLastAgent && typeof lastAgentId === 'string' && lastAgentId !== ''
          ? { preferLastAgent: { agentId: lastAgentId, withinHours: rule.preferLastAgent.withinHours } }
          : {}),
        steps: rule.steps ?? [],
        skipped,
      };
    }
  }

  const def = compiled.default;
  return {
    version: compiled.version,
    rule: 'default',
    queue: def.queue,
    priority: def.priority,
    skills: def.skills ?? {},
    steps: def.steps ?? [],
    skipped,
  };
}
