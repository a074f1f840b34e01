/**
 * Routing rules: validate, compile, decide and pick an agent. Pure: no I/O, no DB.
 */
export {
  ZRuleSet,
  ZRule,
  ZStep,
  ZDefaultTarget,
  ZRuleHours,
  ZSkillLevels,
  DEFAULT_RULE_TIMEZONE,
  MAX_RULES,
  type TRuleSet,
  type TRuleSetInput,
  type TRule,
  type TStep,
  type TDefaultTarget,
  type TRuleHours,
  type TSkillLevels,
} from './schema.js';
export {
  fillContextDefaults,
  type RoutingContext,
  type RoutingContextInput,
  type RoutingCall,
  type RoutingCustomer,
  type RoutingIvr,
} from './context.js';
export type { RuleSetError } from './errors.js';
export { conditionCompileCount } from './condition.js';
export { validateRuleSet, type KnownNames, type ValidationResult } from './validate.js';
export { compileRuleSet, clearCompiledRuleSets, type CompiledRuleSet, type CompiledRule } from './compile.js';
export { decide, type Decision, type SkippedRule } from './decide.js';
export { requirementsAt, type Requirements, type RequirementsBase } from './requirements.js';
export {
  selectAgent,
  explainIneligible,
  type AgentSnapshot,
  type AgentState,
  type AgentRequest,
} from './select-agent.js';
export { diffRuleSets, type RuleSetDiff, type FieldChange } from './diff.js';
export { exampleRuleSet, exampleKnownNames } from './example.js';
