import { describe, expect, it } from 'vitest';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';

// Deep clone so each test can break the demo flow independently.
const demo = (): any => structuredClone(demoFlowDefinition);

function errorsOf(json: unknown) {
  const res = validateFlow(json);
  expect(res.ok).toBe(false);
  return res.ok ? [] : res.errors;
}

describe('validateFlow', () => {
  it('accepts the demo flow and applies defaults', () => {
    const res = validateFlow(demoFlowDefinition);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const menu = res.flow.nodes.main;
    expect(menu?.type === 'menu' && menu.retries).toBe(2);
    expect(menu?.type === 'menu' && menu.timeoutSeconds).toBe(5);
  });

  it('re-validates its own output after a JSON round trip (stored flows stay valid)', () => {
    const first = validateFlow(demoFlowDefinition);
    if (!first.ok) throw new Error('demo invalid');
    const again = validateFlow(JSON.parse(JSON.stringify(first.flow)));
    expect(again).toEqual(first);
  });

  it('rejects a dangling menu option next, naming node and field', () => {
    const f = demo();
    f.nodes.main.options[1].next = 'billng';
    expect(errorsOf(f)).toContainEqual({ path: 'nodes.main.options[1].next', message: "unknown node 'billng'" });
  });

  it('rejects an unknown start node and dangling fallback/else', () => {
    const f = demo();
    f.start = 'nope';
    f.nodes.lang.fallback = 'gone';
    f.nodes.route.else = 'missing';
    const paths = errorsOf(f).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['start', 'nodes.lang.fallback', 'nodes.route.else']));
  });

  it('rejects a CEL expression reading an undeclared field', () => {
    const f = demo();
    f.nodes.route.cases[0].when = 'caller.vip';
    const errs = errorsOf(f);
    expect(errs[0]?.path).toBe('nodes.route.cases[0].when');
    expect(errs[0]?.message).toMatch(/vip/);
  });

  it('rejects CEL that fails to parse or is not boolean', () => {
    const f = demo();
    f.nodes.route.cases[0].when = 'caller.known &&';
    f.nodes.route.cases[1].when = 'caller.name';
    const paths = errorsOf(f).map((e) => e.path);
    expect(paths).toEqual(['nodes.route.cases[0].when', 'nodes.route.cases[1].when']);
  });

  it('accepts typed CEL over caller and call fields', () => {
    const f = demo();
    f.nodes.route.cases[1].when = 'caller.known && caller.tier == "gold" && caller.accountValue > 1000.0 && call.from.startsWith("+966")';
    expect(validateFlow(f).ok).toBe(true);
  });

  it('rejects an hours node when the flow has no hours', () => {
    const f = demo();
    delete f.hours;
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ path: 'nodes.hours_check.type' }));
  });

  it('rejects a loop of non-interactive nodes', () => {
    const f = demo();
    f.nodes.greet.next = 'again';
    f.nodes.again = { type: 'branch', cases: [{ when: 'caller.known', next: 'greet' }], else: 'greet' };
    const errs = errorsOf(f);
    expect(errs).toHaveLength(1);
    expect(errs[0]?.path).toMatch(/^nodes\.(greet|again)$/);
    expect(errs[0]?.message).toMatch(/non-interactive loop: .*greet.*again|again.*greet/);
  });

  it('allows loops that pass through an interactive node', () => {
    const f = demo();
    f.nodes.main.fallback = 'lang';
    expect(validateFlow(f).ok).toBe(true);
  });

  it('rejects a flow where no terminal is reachable', () => {
    const f = {
      name: 'no-exit',
      start: 'm',
      defaultLanguage: 'en',
      voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
      nodes: {
        m: { type: 'menu', prompt: { ar: 'اضغط 1', en: 'Press 1' }, options: [{ digit: '1', next: 'm' }], fallback: 'm' },
      },
    };
    expect(errorsOf(f)).toEqual([{ path: 'start', message: 'no queue or hangup node is reachable from start' }]);
  });

  it('rejects prompt text over 1000 characters with its path', () => {
    const f = demo();
    f.nodes.greet.prompt.en = 'a'.repeat(1001);
    expect(errorsOf(f)).toContainEqual(expect.objectContaining({ path: 'nodes.greet.prompt.en', message: expect.stringMatching(/1000/) }));
  });

  it('counts Arabic and emoji text by characters, not UTF-16 units', () => {
    const f = demo();
    f.nodes.greet.prompt.ar = 'م'.repeat(1000);
    f.nodes.greet.prompt.en = '📞'.repeat(1000); // 2000 UTF-16 units, 1000 characters
    expect(validateFlow(f).ok).toBe(true);
  });

  it('rejects unknown placeholders, non-https play URLs, bad names and unknown keys', () => {
    const f = demo();
    f.name = 'Demo Flow';
    f.nodes.greet.prompt.en = 'Hi {firstName}';
    f.nodes.intro = { type: 'play', url: 'http://example.com/a.mp3', next: 'greet' };
    f.nodes.main.timeout = 3;
    const paths = errorsOf(f).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'nodes.greet.prompt.en', 'nodes.intro.url', 'nodes.main']));
  });

  it('rejects collect with min > max, bad pattern, and duplicate menu digits', () => {
    const f = demo();
    f.nodes.account.minDigits = 12;
    f.nodes.account.pattern = '([0-9';
    const shapeErrs = errorsOf(f).map((e) => e.path);
    expect(shapeErrs).toEqual(expect.arrayContaining(['nodes.account.minDigits', 'nodes.account.pattern']));
    const g = demo();
    g.nodes.main.options[2].digit = '1';
    expect(errorsOf(g)).toContainEqual({ path: 'nodes.main.options[2].digit', message: "duplicate digit '1'" });
  });

  it('refuses a branch condition whose matches pattern RE2 cannot run (backreference), naming node and field', () => {
    const f = demo();
    f.nodes.route.cases[1].when = 'call.from.matches("(\\\\d)\\\\1{3}")';
    expect(errorsOf(f)).toEqual([{ path: 'nodes.route.cases[1].when', message: expect.stringMatching(/^matches\(\): unsupported regular expression .*backreferences/) }]);
  });

  it('refuses a collect pattern RE2 cannot run (lookahead), naming node and field', () => {
    const f = demo();
    f.nodes.account.pattern = '(?=5)[0-9]+';
    expect(errorsOf(f)).toEqual([{ path: 'nodes.account.pattern', message: expect.stringMatching(/unsupported regular expression .*lookaround/) }]);
  });

  it('rejects non-objects without throwing', () => {
    expect(errorsOf(null)[0]?.path).toBe('(root)');
    expect(errorsOf('flow').length).toBeGreaterThan(0);
  });
});
