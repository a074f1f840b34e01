/**
 * CEL's `matches` on RE2 (re2js) instead of the JavaScript RegExp engine.
 *
 * cel-js 8 implements `string.matches` as `new RegExp(p).test(s)`, a backtracking engine:
 * `call.from.matches("^(a+)+$")` against 29 a's and a "!" blocks the event loop for
 * seconds, stalling every call on the node. RE2 matches in time linear in the input and
 * refuses what it cannot do that way (backreferences, lookaround); RE2 syntax is also what
 * the CEL spec defines `matches` over.
 *
 * cel-js refuses a second `string.matches(string)` overload (it "overlaps" the built-in) and
 * cannot remove one, so each environment registers the RE2 version under another name
 * ({@link withLinearMatches}) and each parsed expression has its `matches` calls pointed at
 * it before type checking ({@link redirectMatches}). An expression that skips that step
 * would run the built-in, so only parse through the helpers of src/routing/rules/condition.ts
 * and src/ivr/cel.ts.
 */
import { EvaluationError, type ASTNode, type Environment } from '@marcbachmann/cel-js';
import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';

/** The name `matches` calls are redirected to. Not part of the documented language. */
export const LINEAR_MATCHES = 'matchesRe2';

// Bounds compile cost and cache memory for patterns that only turn up at run time
// (e.g. built from caller input); a rule's literal patterns are far shorter.
const MAX_PATTERN_CHARS = 1000;
// Conditions use a handful of distinct patterns; the bound only matters for run-time ones.
const MAX_CACHED_PATTERNS = 500;
// Patterns can be hostile (a 1000-character run of parentheses): never echo them whole.
const MAX_ECHO = 64;

type CompiledPattern = { ok: true; re: RE2JS } | { ok: false; error: string };

// Failures are cached too, so a bad run-time pattern repeated on every call costs one compile.
const cache = new LRUCache<string, CompiledPattern>({ max: MAX_CACHED_PATTERNS });

/**
 * Compile `pattern` as an RE2 regular expression (cached). Also for regular expressions
 * outside CEL that run on untrusted input (IVR collect patterns).
 * @returns the compiled pattern, or why RE2 refuses it (backreference, lookaround, bad syntax, too long).
 */
export function compileLinearPattern(pattern: string): CompiledPattern {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = compileUncached(pattern);
    cache.set(pattern, compiled);
  }
  return compiled;
}

function compileUncached(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_CHARS) {
    return { ok: false, error: `regular expression longer than ${MAX_PATTERN_CHARS} characters` };
  }
  try {
    return { ok: true, re: RE2JS.compile(pattern) };
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^error parsing regexp: /, '');
    const shown = pattern.length > MAX_ECHO ? `${pattern.slice(0, MAX_ECHO)}…` : pattern;
    return {
      ok: false,
      error: `unsupported regular expression \`${shown}\` (RE2 syntax; no backreferences or lookaround): ${reason}`,
    };
  }
}

/**
 * CEL `text.matches(pattern)`: true when RE2 finds `pattern` anywhere in `text`.
 * Throws a CEL EvaluationError for a pattern RE2 refuses, so that one evaluation fails.
 */
export function linearMatches(text: string, pattern: string): boolean {
  const compiled = compileLinearPattern(pattern);
  if (!compiled.ok) throw new EvaluationError(`matches(): ${compiled.error}`);
  return compiled.re.test(text);
}

/**
 * Register the RE2 `matches` on `env` (once, while the environment is being built).
 * @returns `env`, for chaining.
 */
export function withLinearMatches<E extends Environment>(env: E): E {
  env.registerFunction(`string.${LINEAR_MATCHES}(string): bool`, (text: unknown, pattern: unknown) => linearMatches(text as string, pattern as string), {
    description: 'string.matches(string) on RE2: linear time, no backreferences or lookaround',
  });
  return env;
}

/**
 * Point every `x.matches(p)` in a freshly parsed expression at the RE2 function, and
 * compile each literal pattern now so an unsupported one is refused when the expression
 * is saved, not when a call reaches it. Must run before the expression is type-checked.
 * Patterns that are not literals are compiled on first use instead (see {@link linearMatches}).
 * @returns the first pattern error, or undefined when every literal pattern compiles.
 */
export function redirectMatches(ast: ASTNode): string | undefined {
  let firstError: string | undefined;
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isAstNode(value)) {
      // Macro payloads (comprehensions) hold their sub-expressions in plain objects.
      for (const item of Object.values(value)) visit(item);
      return;
    }
    // A literal's payload is its value (a string literal is not a node to walk).
    if (value.op === 'value') return;
    if (value.op === 'rcall') {
      const args = value.args as unknown as [string, ASTNode, ASTNode[]];
      if (args[0] === 'matches' && args[2].length === 1) {
        args[0] = LINEAR_MATCHES;
        const pattern = args[2][0]!;
        if (pattern.op === 'value' && typeof pattern.args === 'string') {
          const compiled = compileLinearPattern(pattern.args);
          if (!compiled.ok) firstError ??= `matches(): ${compiled.error}`;
        }
      }
    }
    visit(value.args);
    visit((value as { meta?: { alternate?: unknown } }).meta?.alternate);
  };
  visit(ast);
  return firstError;
}

/** Error messages name the function the author wrote, not the one it was redirected to. */
export function authorFacingMessage(message: string): string {
  return message.replaceAll(`.${LINEAR_MATCHES}(`, '.matches(');
}

function isAstNode(value: object): value is ASTNode {
  return typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}
