/**
 * What a waiting call needs right now, after escalation steps have relaxed it.
 */
import type { TSkillLevels, TStep } from './schema.js';

/** The part of a decision that escalation steps can change. */
export interface RequirementsBase {
  queue: string;
  priority: number;
  skills: TSkillLevels;
  steps: ReadonlyArray<TStep>;
}

/** Effective requirements at one moment of the wait. */
export interface Requirements {
  queue: string;
  priority: number;
  skills: TSkillLevels;
  offerCallback: boolean;
  /** Index of the last step applied, −1 before the first one. */
  stepIndex: number;
}

/**
 * Apply every step whose `afterSeconds` has passed, in order; each step overrides
 * only the fields it sets, so e.g. "after 30 s any agent" still holds after a
 * later "after 120 s overflow to general". Steps are validated as increasing, so
 * the walk stops at the first step still in the future.
 */
export function requirementsAt(decision: RequirementsBase, waitSeconds: number): Requirements {
  const req: Requirements = {
    queue: decision.queue,
    priority: decision.priority,
    skills: decision.skills,
    offerCallback: false,
    stepIndex: -1,
  };
  for (let i = 0; i < decision.steps.length; i++) {
    const step = decision.steps[i]!;
    if (step.afterSeconds > waitSeconds) break;
    if (step.queue !== undefined) req.queue = step.queue;
    if (step.priority !== undefined) req.priority = step.priority;
    if (step.skills !== undefined) req.skills = step.skills;
    if (step.offerCallback !== undefined) req.offerCallback = step.offerCallback;
    req.stepIndex = i;
  }
  return req;
}
