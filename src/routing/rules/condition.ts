/**
 * Turns one CEL condition into an evaluator, or explains why it cannot.
 * Shared by validation (report the error) and compilation (evaluate many times).
 */
// From the main entry: importing cel-js/serialize first trips a circular import inside cel-js.
import { serialize } from '@marcbachmann/cel-js';
import { authorFacingMessage, redirectMatches } from '../../cel/linear-matches.js';
import { routingCelEnvironment, type CelVariables } from './context.js';

/** Evaluates a compiled condition; throws when the expression fails at runtime. */
export type ConditionFn = (vars: CelVariables) => boolean;

export type CompiledCondition =
  | { ok: true; evaluate: ConditionFn; alwaysTrue: boolean; canonical: string }
  | { ok: false; error: string };

// Parsing is the expensive step; counting it lets tests (and metrics) prove the hot
// path never recompiles. The shared CEL environment is frozen, so it cannot be spied on.
let compileCount = 0;

/** How many conditions this process has parsed so far (monotonic). */
export function conditionCompileCount(): number {
  return compileCount;
}

/**
 * Parse and type-check `expr` against the routing environment.
 * Fails (without throwing) on syntax errors, unknown fields, type mismatches,
 * non-bool results and `matches` patterns RE2 cannot run in linear time (backreferences,
 * lookaround). A pattern only known at run time is compiled then: if RE2 refuses it, that
 * evaluation throws. `alwaysTrue` is set when the condition is the literal `true`
 * (parentheses allowed), which makes every later rule unreachable. `canonical` is the
 * expression re-printed from its AST, so conditions that differ only in spacing or
 * redundant parentheses compare equal.
 */
export function compileCondition(expr: string): CompiledCondition {
  compileCount++;
  try {
    const parsed = routingCelEnvironment.parse(expr);
    // Printed before `matches` is redirected, so it shows what the admin wrote.
    const canonical = canonicalText(parsed.ast, expr);
    const patternError = redirectMatches(parsed.ast);
    if (patternError) return { ok: false, error: patternError };
    const checked = parsed.check();
    if (!checked.valid) return { ok: false, error: firstLine(checked.error) };
    if (checked.type !== 'bool') {
      return { ok: false, error: `condition must return bool, got ${checked.type ?? 'unknown'}` };
    }
    const evaluate: ConditionFn = (vars) => {
      const result: unknown = parsed(vars);
      // Type-checked as bool, but async custom functions could yield a Promise; be strict.
      if (typeof result !== 'boolean') throw new Error(`condition returned ${typeof result}, expected bool`);
      return result;
    };
    // Parentheses do not create AST nodes, so `(true)` is a bare literal too.
    const alwaysTrue = parsed.ast.op === 'value' && parsed.ast.args === true;
    return { ok: true, evaluate, alwaysTrue, canonical };
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
}

function canonicalText(ast: Parameters<typeof serialize>[0], fallback: string): string {
  try {
    return serialize(ast);
  } catch {
    return fallback.trim();
  }
}

/** First line of an error: CEL messages append a source excerpt we don't want in JSON. */
export function firstLine(err: unknown): string {
  const msg = authorFacingMessage(err instanceof Error ? err.message : String(err));
  const line = msg.split('\n', 1)[0]?.trim();
  return line ? line.slice(0, 300) : 'invalid expression';
}
