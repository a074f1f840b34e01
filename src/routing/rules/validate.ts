/**
 * Full validation of an admin-submitted rule set: shape, CEL, references, reachability.
 */
import { compileCondition } from './condition.js';
import { clip, formatField, issueToErrors, ruleLabel, type RuleSetError } from './errors.js';
import { findUnreachable, type ReachabilityInput } from './reachability.js';
import {
  MAX_RULES,
  ZDefaultTarget,
  ZRule,
  ZRuleSet,
  type TRuleSet,
  type TSkillLevels,
  type TStep,
} from './schema.js';

/** Queue and skill names that exist in this deployment. */
export interface KnownNames {
  queues: string[];
  skills: string[];
}

export type ValidationResult = { valid: true; ruleSet: TRuleSet } | { valid: false; errors: RuleSetError[] };

// Keeps a 422 body bounded even for a rule set that is wrong everywhere.
const MAX_ERRORS = 500;

/**
 * Validate `json` as a rule set against the deployment's queues and skills.
 * Reports every problem it can find in one pass (not just the first), each naming
 * the rule and field. Never throws, whatever `json` is.
 */
export function validateRuleSet(json: unknown, known: KnownNames): ValidationResult {
  try {
    return validateUnsafe(json, known);
  } catch {
    // Defensive: e.g. a Proxy or getter that throws. Validation must answer, not crash.
    return { valid: false, errors: [{ rule: '', field: '', message: 'rule set could not be read' }] };
  }
}

function validateUnsafe(json: unknown, known: KnownNames): ValidationResult {
  const rawRules: unknown = isRecord(json) ? json.rules : undefined;
  // Refuse oversized arrays before zod walks (and reports on) every element.
  if (Array.isArray(rawRules) && rawRules.length > MAX_RULES) {
    return { valid: false, errors: [{ rule: 'rules', field: '', message: `at most ${MAX_RULES} rules` }] };
  }

  const errors: RuleSetError[] = [];
  const parsed = ZRuleSet.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(...issueToErrors(issue, rawRules));
  }

  // Semantic checks run per rule that is shape-valid on its own, so one broken rule
  // does not hide CEL or reference errors in the others.
  const queues = new Set(Array.isArray(known?.queues) ? known.queues : []);
  const skills = new Set(Array.isArray(known?.skills) ? known.skills : []);
  const refs = { queues, skills };
  const reach: ReachabilityInput[] = [];
  const reachIndex: number[] = [];
  const labels = new Map<string, number>();

  if (Array.isArray(rawRules)) {
    rawRules.forEach((raw, i) => {
      const label = ruleLabel(rawRules, i);
      // zod skips the whole-array uniqueness check once any rule is malformed; repeat it here.
      const first = labels.get(label);
      if (first === undefined) labels.set(label, i);
      else if (!label.startsWith('rules[')) {
        errors.push({ rule: label, field: 'name', message: `duplicate rule name (already used by rules[${first}])` });
      }
      const rule = ZRule.safeParse(raw);
      if (!rule.success) return;
      const push = (field: string, message: string) => errors.push({ rule: label, field, message });
      const condition = compileCondition(rule.data.when);
      if (!condition.ok) push('when', condition.error);
      checkTarget(rule.data, refs, push);
      reach.push({
        label,
        enabled: rule.data.enabled,
        hasHours: rule.data.hours !== undefined,
        condition: condition.ok ? condition : undefined,
      });
      reachIndex.push(i);
    });
  }
  for (const [pos, message] of findUnreachable(reach)) {
    errors.push({ rule: ruleLabel(rawRules, reachIndex[pos]!), field: 'when', message });
  }

  const def = ZDefaultTarget.safeParse(isRecord(json) ? json.default : undefined);
  if (def.success) checkTarget(def.data, refs, (field, message) => errors.push({ rule: 'default', field, message }));

  if (parsed.success && errors.length === 0) return { valid: true, ruleSet: parsed.data };
  return { valid: false, errors: finish(errors) };
}

type Push = (field: string, message: string) => void;

/** Queue and skill references of a rule or the default target, including its steps. */
function checkTarget(
  target: { queue: string; skills?: TSkillLevels | undefined; steps?: TStep[] | undefined },
  refs: { queues: Set<string>; skills: Set<string> },
  push: Push,
): void {
  checkQueue(target.queue, 'queue', refs.queues, push);
  checkSkills(target.skills, 'skills', refs.skills, push);
  target.steps?.forEach((step, i) => {
    if (step.queue !== undefined) checkQueue(step.queue, `steps[${i}].queue`, refs.queues, push);
    checkSkills(step.skills, `steps[${i}].skills`, refs.skills, push);
  });
}

function checkQueue(queue: string, field: string, known: Set<string>, push: Push): void {
  if (!known.has(queue)) push(field, `unknown queue '${clip(queue)}'`);
}

function checkSkills(levels: TSkillLevels | undefined, field: string, known: Set<string>, push: Push): void {
  for (const skill of Object.keys(levels ?? {})) {
    if (!known.has(skill)) push(formatField([field, skill]), `unknown skill '${clip(skill)}'`);
  }
}

/** Drop exact duplicates (zod and our own pass can report the same thing) and cap the list. */
function finish(errors: RuleSetError[]): RuleSetError[] {
  const seen = new Set<string>();
  const out: RuleSetError[] = [];
  for (const e of errors) {
    const key = `${e.rule}\u0000${e.field}\u0000${e.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  if (out.length <= MAX_ERRORS) return out;
  const more = out.length - MAX_ERRORS;
  return [...out.slice(0, MAX_ERRORS), { rule: '', field: '', message: `…and ${more} more errors` }];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
