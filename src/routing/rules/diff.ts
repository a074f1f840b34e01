/**
 * Human-reviewable differences between two rule-set versions (audit and "what
 * will publishing change?").
 */
import type { TRuleSet } from './schema.js';

/** One changed value, addressed like validation errors (`skills.billing`, `steps[1].queue`). */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface RuleSetDiff {
  added: string[];
  removed: string[];
  /** Rules whose order relative to the other kept rules changed (0-based indexes). */
  moved: Array<{ rule: string; from: number; to: number }>;
  changed: Array<{ rule: string; fields: FieldChange[] }>;
  defaultChanged: FieldChange[];
}

/**
 * Compare two parsed rule sets (defaults applied, so an explicit `priority: 50`
 * equals an omitted one). Inserting a rule at the top does not report every later
 * rule as moved: only rules outside the longest common order are.
 */
export function diffRuleSets(from: TRuleSet, to: TRuleSet): RuleSetDiff {
  const fromIndex = new Map(from.rules.map((r, i) => [r.name, i] as const));
  const toIndex = new Map(to.rules.map((r, i) => [r.name, i] as const));
  const added = to.rules.filter((r) => !fromIndex.has(r.name)).map((r) => r.name);
  const removed = from.rules.filter((r) => !toIndex.has(r.name)).map((r) => r.name);

  const keptFrom = from.rules.map((r) => r.name).filter((n) => toIndex.has(n));
  const keptTo = to.rules.map((r) => r.name).filter((n) => fromIndex.has(n));
  const stayed = longestCommonSubsequence(keptFrom, keptTo);
  const moved = keptTo
    .filter((n) => !stayed.has(n))
    .map((rule) => ({ rule, from: fromIndex.get(rule)!, to: toIndex.get(rule)! }));

  const changed: RuleSetDiff['changed'] = [];
  for (const rule of to.rules) {
    const i = fromIndex.get(rule.name);
    if (i === undefined) continue;
    const fields = diffValues(from.rules[i], rule, '');
    if (fields.length > 0) changed.push({ rule: rule.name, fields });
  }
  return { added, removed, moved, changed, defaultChanged: diffValues(from.default, to.default, '') };
}

/**
 * Leaf-level changes between two JSON-like values. Objects are compared key by key;
 * arrays element by element when their length is unchanged, otherwise as a whole
 * (an inserted step would make every later index look changed).
 */
function diffValues(a: unknown, b: unknown, path: string): FieldChange[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: FieldChange[] = [];
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) out.push(...diffValues(a[key], b[key], path ? `${path}.${key}` : key));
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    return a.flatMap((item, i) => diffValues(item, b[i], `${path}[${i}]`));
  }
  return deepEqual(a, b) ? [] : [{ field: path, from: a, to: b }];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Names in one longest common subsequence (rule names are unique, ≤ 500 rules). */
function longestCommonSubsequence(a: string[], b: string[]): Set<string> {
  const n = a.length;
  const m = b.length;
  // lengths[i][j] = LCS length of a[i..] and b[j..]; flat array to avoid 500 allocations.
  const lengths = new Uint16Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[at(i, j)] =
        a[i] === b[j] ? lengths[at(i + 1, j + 1)]! + 1 : Math.max(lengths[at(i + 1, j)]!, lengths[at(i, j + 1)]!);
    }
  }
  const common = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      common.add(a[i]!);
      i++;
      j++;
    } else if (lengths[at(i + 1, j)]! >= lengths[at(i, j + 1)]!) i++;
    else j++;
  }
  return common;
}
