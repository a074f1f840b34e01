/** Shared builders for routing-rule tests. */
import { exampleKnownNames, exampleRuleSet, ZRuleSet, type TRuleSet } from '../../../src/routing/rules/index.js';

export const known = exampleKnownNames;

/** A fresh, mutable copy of the example in input form (for breaking it). */
export const exampleInput = (): any => structuredClone(exampleRuleSet);

/** Parse input-form JSON into a TRuleSet (defaults applied); throws if invalid. */
export const parseSet = (json: unknown): TRuleSet => ZRuleSet.parse(json);
