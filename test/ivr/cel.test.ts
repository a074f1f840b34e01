/**
 * `matches` in IVR branch conditions runs on RE2, linear in the input: a catastrophic
 * pattern cannot stall the node while callers wait in the IVR. A pattern RE2 cannot run is
 * refused when the flow is compiled; one that only turns up at run time makes that case
 * not match, without throwing into the call.
 */
import { describe, expect, it } from 'vitest';
import { compileExpr, type CelContext } from '../../src/ivr/cel.js';

const ctx = (over: { name?: string; from?: string; language?: string } = {}): CelContext => ({
  caller: { known: true, name: over.name ?? '', language: over.language ?? 'ar', tier: '', openComplaint: false, accountValue: 0 },
  call: { from: over.from ?? '+966501234567', language: over.language ?? 'ar' },
});

function run(expr: string, c: CelContext): boolean {
  const res = compileExpr(expr);
  if (!res.ok) throw new Error(res.error);
  return res.fn(c);
}

describe('matches in IVR branch conditions', () => {
  it.each([29, 34])('answers %i a\'s and "!" against ^(a+)+$ with false, and the a\'s alone with true', (n) => {
    expect(run('caller.name.matches("^(a+)+$")', ctx({ name: `${'a'.repeat(n)}!` }))).toBe(false);
    expect(run('caller.name.matches("^(a+)+$")', ctx({ name: 'a'.repeat(n) }))).toBe(true);
  });

  it('uses RE2 syntax (inline flags)', () => {
    expect(run('call.language.matches("(?i)^AR$")', ctx({ language: 'ar' }))).toBe(true);
  });

  it('refuses a backreference or lookahead when compiled, saying why', () => {
    for (const expr of ['call.from.matches("(5)\\\\1")', 'call.from.matches("^\\\\+966(?=5)")']) {
      const res = compileExpr(expr);
      expect(res.ok, expr).toBe(false);
      if (!res.ok) expect(res.error).toMatch(/^matches\(\): unsupported regular expression .*no backreferences or lookaround/);
    }
  });

  it('lets a run-time pattern RE2 refuses fail that case only (false, no throw)', () => {
    const fn = compileExpr('call.from.matches(caller.name)');
    expect(fn.ok).toBe(true);
    if (!fn.ok) return;
    expect(fn.fn(ctx({ name: '(5)\\1', from: '55' }))).toBe(false);
    expect(fn.fn(ctx({ name: '^(a+)+$', from: `${'a'.repeat(34)}!` }))).toBe(false);
    expect(fn.fn(ctx({ name: '^\\+9665', from: '+966501234567' }))).toBe(true);
  });
});
