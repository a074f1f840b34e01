/**
 * Zod schemas for the admin-edited routing rule set (shape only).
 *
 * Checks that need outside knowledge (known queues/skills, CEL type checking,
 * shadowed rules) live in `validate.ts`; this file only guarantees a rule set is
 * well-formed on its own, so `ZRuleSet.parse` output is always safe to compile.
 */
import { z } from 'zod';
import { ZBusinessHours, type TBusinessHours } from '../../hours/business-hours.js';

/** Timezone used when a rule's hours omit one (the contact center is in Riyadh). */
export { DEFAULT_TIMEZONE as DEFAULT_RULE_TIMEZONE } from '../../hours/business-hours.js';
/** Upper bounds keep validation and per-call evaluation cheap. */
export const MAX_RULES = 500;
export const MAX_WHEN_CHARS = 2000;
export const MAX_STEPS = 20;

/** Rule names appear in URLs, logs and decisions, so keep them slug-like. */
export const ZRuleName = z
  .string()
  .regex(/^[a-z0-9_-]{1,64}$/, 'name must be 1-64 chars of [a-z0-9_-]');

/** Queue names are resolved against the configured queues in `validate.ts`. */
export const ZQueueName = z.string().min(1, 'queue must not be empty').max(64, 'queue name is too long');

// Same spelling rule as agent profiles, so a rule can only name skills an agent could hold.
const ZSkillName = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'skill names are lower-case words');

/** Minimum level per skill; `{}` means "any agent". */
export const ZSkillLevels = z.record(ZSkillName, z.number().int().min(1).max(10));
export type TSkillLevels = z.infer<typeof ZSkillLevels>;

export const ZPriority = z.number().int().min(0).max(100);

/** One escalation step: fields given here override the requirements from `afterSeconds` on. */
export const ZStep = z.strictObject({
  afterSeconds: z.number().int().min(1).max(86_400),
  /** Replaces (not merges with) the required skills; `{}` relaxes to any agent. */
  skills: ZSkillLevels.optional(),
  priority: ZPriority.optional(),
  /** Overflow queue. */
  queue: ZQueueName.optional(),
  offerCallback: z.boolean().optional(),
});
export type TStep = z.infer<typeof ZStep>;

// Out-of-order steps would make "which step applies at 90 s" depend on array order.
const ZSteps = z
  .array(ZStep)
  .max(MAX_STEPS)
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1]!.afterSeconds;
      if (steps[i]!.afterSeconds <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'afterSeconds'],
          message: `afterSeconds must be greater than the previous step's (${prev})`,
        });
      }
    }
  });

/** Opening hours: the rule matches only inside them (local time of `timezone`). */
export const ZRuleHours = ZBusinessHours;
export type TRuleHours = TBusinessHours;

/** One routing rule; rules are tried in order and the first match wins. */
export const ZRule = z.strictObject({
  name: ZRuleName,
  /** CEL condition over `call`, `customer`, `ivr`; must type-check to bool. */
  when: z.string().min(1, 'condition must not be empty').max(MAX_WHEN_CHARS, `condition exceeds ${MAX_WHEN_CHARS} characters`),
  queue: ZQueueName,
  skills: ZSkillLevels.optional(),
  priority: ZPriority.default(50),
  preferLastAgent: z.strictObject({ withinHours: z.number().min(1).max(720) }).optional(),
  steps: ZSteps.optional(),
  hours: ZRuleHours.optional(),
  enabled: z.boolean().default(true),
  description: z.string().max(1000).optional(),
});
export type TRule = z.infer<typeof ZRule>;

/** Where calls go when no rule matches. */
export const ZDefaultTarget = z.strictObject({
  queue: ZQueueName,
  priority: ZPriority.default(10),
  skills: ZSkillLevels.optional(),
  steps: ZSteps.optional(),
});
export type TDefaultTarget = z.infer<typeof ZDefaultTarget>;

/** A complete, versionable rule set. */
export const ZRuleSet = z.strictObject({
  rules: z
    .array(ZRule)
    .max(MAX_RULES, `at most ${MAX_RULES} rules`)
    .superRefine((rules, ctx) => {
      // Names identify rules in decisions, diffs and audit logs, so they must be unique.
      const firstIndex = new Map<string, number>();
      rules.forEach((rule, i) => {
        const seen = firstIndex.get(rule.name);
        if (seen === undefined) firstIndex.set(rule.name, i);
        else ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate rule name (already used by rules[${seen}])` });
      });
    }),
  default: ZDefaultTarget,
});
export type TRuleSet = z.infer<typeof ZRuleSet>;
/** Input shape (before defaults), e.g. for hand-written fixtures. */
export type TRuleSetInput = z.input<typeof ZRuleSet>;
