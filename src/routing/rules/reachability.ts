/**
 * Finds rules that can never match because an earlier rule always wins first.
 */

/** What the check needs to know about each (shape-valid) rule, in order. */
export interface ReachabilityInput {
  label: string;
  enabled: boolean;
  hasHours: boolean;
  /** Undefined when the condition did not compile (reported elsewhere). */
  condition: { alwaysTrue: boolean; canonical: string } | undefined;
}

/**
 * Returns one message per unreachable rule, keyed by its position in `rules`.
 * A rule is shadowed by an earlier enabled rule without hours whose condition is
 * literally `true`, or is the same expression as its own. Disabled rules are not
 * reported: they never match anyway, and flagging them would block publishing a
 * set where an admin parked a rule on purpose.
 */
export function findUnreachable(rules: ReadonlyArray<ReachabilityInput>): Map<number, string> {
  const result = new Map<number, string>();
  let catchAll: string | undefined;
  const firstByCondition = new Map<string, string>();
  rules.forEach((rule, i) => {
    if (rule.enabled) {
      if (catchAll !== undefined) {
        result.set(i, `unreachable: rule '${catchAll}' above always matches first`);
      } else if (rule.condition && firstByCondition.has(rule.condition.canonical)) {
        result.set(i, `unreachable: rule '${firstByCondition.get(rule.condition.canonical)}' above has the same condition`);
      }
    }
    // Only rules that match whenever their condition holds can shadow later ones.
    if (!rule.enabled || rule.hasHours || !rule.condition) return;
    if (rule.condition.alwaysTrue && catchAll === undefined) catchAll = rule.label;
    if (!firstByCondition.has(rule.condition.canonical)) firstByCondition.set(rule.condition.canonical, rule.label);
  });
  return result;
}
