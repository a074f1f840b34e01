/**
 * CEL support for `branch` nodes: one typed environment, per-flow compile cache.
 */
import { Environment } from '@marcbachmann/cel-js';
import { authorFacingMessage, redirectMatches, withLinearMatches } from '../cel/linear-matches.js';
import type { TFlow } from './flow-schema.js';

/** Fields a branch expression may read. Declared so typos fail validation, not calls. */
const CALLER_SCHEMA = {
  known: 'bool',
  name: 'string',
  language: 'string',
  tier: 'string',
  openComplaint: 'bool',
  accountValue: 'double',
} as const;
const CALL_SCHEMA = { from: 'string', language: 'string' } as const;
/** The latest `verify` verdict: status "" (not verified yet) or verified|failed|not_enrolled|locked|skipped; method "" | voice | pin. */
const VERIFICATION_SCHEMA = { status: 'string', method: 'string' } as const;

// `matches` runs on RE2 (linear time) for expressions parsed by compileExpr, which redirects it.
const env = withLinearMatches(new Environment())
  .registerVariable({ name: 'caller', schema: { ...CALLER_SCHEMA } })
  .registerVariable({ name: 'call', schema: { ...CALL_SCHEMA } })
  .registerVariable({ name: 'verification', schema: { ...VERIFICATION_SCHEMA } });

/** Fully populated evaluation context (CEL schema types reject missing keys). */
export type CelContext = {
  caller: {
    known: boolean;
    name: string;
    language: string;
    tier: string;
    openComplaint: boolean;
    accountValue: number;
  };
  call: { from: string; language: string };
  /** Always given by the engine; optional for callers that predate it. */
  verification?: { status: string; method: string };
};

export type CompiledExpr = (ctx: CelContext) => boolean;

/**
 * Parse and type-check one expression.
 * @returns the evaluator, or an error message when it fails to parse, reads an
 * undeclared field, does not yield a bool, or gives `matches` a pattern RE2 cannot run
 * in linear time (backreferences, lookaround).
 */
export function compileExpr(expr: string): { ok: true; fn: CompiledExpr } | { ok: false; error: string } {
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(expr);
  } catch (err) {
    return { ok: false, error: firstLine(err) };
  }
  const patternError = redirectMatches(parsed.ast);
  if (patternError) return { ok: false, error: patternError };
  const checked = parsed.check();
  if (!checked.valid) return { ok: false, error: firstLine(checked.error) };
  if (checked.type !== 'bool') {
    return { ok: false, error: `expression must be bool, got ${checked.type ?? 'unknown'}` };
  }
  const fn: CompiledExpr = (ctx) => {
    // A runtime failure (e.g. a pattern RE2 refuses) must not crash a live call; the case simply doesn't match.
    try {
      return parsed(ctx) === true;
    } catch {
      return false;
    }
  };
  return { ok: true, fn };
}

// Keyed by the flow object so compiled closures die with the flow.
const cache = new WeakMap<TFlow, Map<string, CompiledExpr>>();

/**
 * Compiled expression for a validated flow; compiles each expression at most
 * once per flow object. Expressions that fail to compile evaluate to false
 * (validateFlow rejects them, so this only guards unvalidated input).
 */
export function getCompiled(flow: TFlow, expr: string): CompiledExpr {
  let byExpr = cache.get(flow);
  if (!byExpr) {
    byExpr = new Map();
    cache.set(flow, byExpr);
  }
  let fn = byExpr.get(expr);
  if (!fn) {
    const res = compileExpr(expr);
    fn = res.ok ? res.fn : () => false;
    byExpr.set(expr, fn);
  }
  return fn;
}

function firstLine(err: unknown): string {
  const msg = authorFacingMessage(err instanceof Error ? err.message : String(err));
  return msg.split('\n')[0]?.trim() || 'invalid expression';
}
