/**
 * The admin-facing validation error shape and helpers that turn zod issues into it.
 */
import type { z } from 'zod';
import { ZRuleName } from './schema.js';

/**
 * One problem in a rule set. `rule` is the rule's name, `rules[3]` when it has no
 * valid name, `default` for the default target, or `""` for the document itself;
 * `field` is a path inside it (`when`, `skills.billing`, `steps[1].queue`).
 */
export interface RuleSetError {
  rule: string;
  field: string;
  message: string;
}

// Names and keys can come from hostile input (a 10 MB key); never echo them whole.
const MAX_ECHO = 64;
/** Shorten untrusted text before putting it in an error. */
export function clip(text: string): string {
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text;
}

/** How errors refer to `rules[index]`: its name if it has a valid one. */
export function ruleLabel(rawRules: unknown, index: number): string {
  const raw: unknown = Array.isArray(rawRules) ? rawRules[index] : undefined;
  const name = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  return ZRuleName.safeParse(name).success ? (name as string) : `rules[${index}]`;
}

/** `['steps', 1, 'queue']` → `steps[1].queue`. */
export function formatField(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += (out ? '.' : '') + clip(String(part));
  }
  return out;
}

/** Map one zod issue (from parsing a whole rule set) to admin-facing errors. */
export function issueToErrors(issue: z.core.$ZodIssue, rawRules: unknown): RuleSetError[] {
  const path = issue.path;
  let rule = '';
  let rest: PropertyKey[] = [...path];
  if (path[0] === 'rules' && typeof path[1] === 'number') {
    rule = ruleLabel(rawRules, path[1]);
    rest = path.slice(2);
  } else if (path[0] === 'rules' || path[0] === 'default') {
    rule = String(path[0]);
    rest = path.slice(1);
  }
  // One error per unknown key so each can be pointed at in an editor.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ rule, field: formatField([...rest, key]), message: 'unknown field' }));
  }
  return [{ rule, field: formatField(rest), message: issueMessage(issue) }];
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // "Invalid key in record" hides the useful part, which sits in the nested issue.
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? issue.message;
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'required';
  return issue.message;
}
