import { describe, expect, it } from 'vitest';
import { advance, startCall, MAX_WALK } from '../../src/ivr/engine.js';
import { demoFlow } from '../../src/ivr/demo-flow.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { TFlow } from '../../src/ivr/flow-schema.js';
import type { CallerContext, GatherAction, SayAction, Step } from '../../src/ivr/types.js';

// Fixed instants, Asia/Riyadh = UTC+3.
const SUN_NOON = new Date('2025-06-15T09:00:00Z'); // Sunday 12:00 — open
const FRI_NOON = new Date('2025-06-13T09:00:00Z'); // Friday 12:00 — weekend
const SUN_NIGHT = new Date('2025-06-15T18:00:00Z'); // Sunday 21:00 — after hours
const HOLIDAY = new Date('2025-09-23T07:00:00Z'); // Tuesday 10:00 — National Day

const call = { from: '+966501234567' };
const knownAr: CallerContext = { known: true, name: 'فاطمة', language: 'ar', openComplaint: false, tier: 'gold' };
const unknown: CallerContext = { known: false, openComplaint: false };

const says = (s: Step) => s.actions.filter((a): a is SayAction => a.type === 'say').map((a) => a.text);
const gather = (s: Step) => s.actions.find((a): a is GatherAction => a.type === 'gather');

/** Unknown caller -> English -> main menu. */
function toMainMenu(now = SUN_NOON): Step {
  const s0 = startCall(demoFlow, unknown, call, now);
  return advance(demoFlow, s0.session, { digits: '2' }, unknown, call, now);
}

describe('startCall', () => {
  it('greets a known Arabic caller by name in Arabic and skips the language menu', () => {
    const step = startCall(demoFlow, knownAr, call, SUN_NOON);
    expect(step.actions[0]).toEqual({ type: 'say', text: 'أهلاً بعودتك يا فاطمة.', language: 'ar', voice: 'Polly.Zeina' });
    expect(gather(step)?.nodeId).toBe('main');
    expect(gather(step)?.speechLanguage).toBe('ar-SA');
    expect(step.session).toMatchObject({ nodeId: 'main', language: 'ar', path: ['main'] });
    expect(step.session.path).not.toContain('lang');
  });

  it('never puts the caller name into events or path', () => {
    const step = startCall(demoFlow, knownAr, call, SUN_NOON);
    expect(JSON.stringify(step.events) + step.session.path.join()).not.toContain('فاطمة');
  });

  it('offers an unknown caller the language menu in both languages', () => {
    const step = startCall(demoFlow, unknown, call, SUN_NOON);
    const g = gather(step);
    expect(g?.nodeId).toBe('lang');
    expect(g?.input).toEqual(['dtmf', 'speech']);
    expect(g?.prompt.map((p) => p.type === 'say' && p.language)).toEqual(['ar', 'en']);
    expect(step.session.language).toBe('ar');
    expect(step.outcome).toBeUndefined();
  });

  it('sends a caller with an open complaint straight to the complaints queue', () => {
    const step = startCall(demoFlow, { ...knownAr, openComplaint: true }, call, SUN_NOON);
    expect(step.outcome).toEqual({ type: 'queue', queue: 'complaints' });
    expect(step.actions.at(-1)).toEqual({ type: 'enqueue', queue: 'complaints' });
    expect(says(step)[0]).toMatch(/شكوى/);
    expect(step.session.path).toEqual(['q_complaints']);
    expect(step.events).toEqual([{ type: 'ivr_step', nodeId: 'q_complaints', nodeType: 'queue', result: 'entered', language: 'ar' }]);
  });

  it.each([
    ['after hours', SUN_NIGHT],
    ['on Friday', FRI_NOON],
    ['on a holiday', HOLIDAY],
  ])('plays the closed message and hangs up %s', (_label, now) => {
    const step = startCall(demoFlow, knownAr, call, now);
    expect(says(step)[1]).toMatch(/مغلق/);
    expect(step.actions.at(-1)).toEqual({ type: 'hangup' });
    expect(step.outcome).toEqual({ type: 'hangup' });
    expect(step.session.path).toEqual(['closed']);
  });

  it('uses the generic greeting for an unknown caller', () => {
    const step = toMainMenu();
    expect(says(step)[0]).toBe('Welcome to customer service.');
    expect(step.session).toMatchObject({ language: 'en', path: ['lang', 'main'] });
  });
});

describe('advance', () => {
  it('chooses the language by speech in either language', () => {
    const s0 = startCall(demoFlow, { ...unknown }, call, SUN_NOON);
    const s1 = advance(demoFlow, s0.session, { speech: 'English please' }, unknown, call, SUN_NOON);
    expect(s1.session.language).toBe('en');
    const s2 = advance(demoFlow, s0.session, { speech: 'عربي' }, unknown, call, SUN_NOON);
    expect(s2.session.language).toBe('ar');
    expect(s2.events[0]).toMatchObject({ nodeId: 'lang', result: 'matched', language: 'ar' });
  });

  it.each([
    ['DTMF 1', { digits: '1' }],
    ['Arabic speech', { speech: 'أريد دفع الفاتورة' }],
    ['English speech', { speech: 'I have a question about my bill' }],
  ])('chooses billing by %s', (_label, input) => {
    const menu = startCall(demoFlow, knownAr, call, SUN_NOON);
    const step = advance(demoFlow, menu.session, input, knownAr, call, SUN_NOON);
    expect(step.session).toMatchObject({ nodeId: 'account', intent: 'billing', attempts: 0, path: ['main', 'account'] });
    expect(gather(step)).toMatchObject({ input: ['dtmf'], numDigits: 10, finishOnKey: '#' });
    expect(step.events[0]).toMatchObject({ nodeId: 'main', nodeType: 'menu', result: 'matched' });
  });

  it('re-prompts on no input, then falls back after the second', () => {
    const menu = toMainMenu();
    const s1 = advance(demoFlow, menu.session, {}, unknown, call, SUN_NOON);
    expect(says(s1)[0]).toBe("Sorry, we didn't receive a choice.");
    expect(gather(s1)?.nodeId).toBe('main');
    expect(s1.session).toMatchObject({ attempts: 1, path: ['lang', 'main'] });
    expect(s1.events).toEqual([{ type: 'ivr_step', nodeId: 'main', nodeType: 'menu', result: 'no_input', language: 'en' }]);

    const s2 = advance(demoFlow, s1.session, { digits: '', speech: '  ' }, unknown, call, SUN_NOON);
    expect(s2.outcome).toEqual({ type: 'queue', queue: 'general' });
    expect(s2.events.map((e) => e.result)).toEqual(['no_input', 'fallback', 'entered']);
    expect(s2.session.path).toEqual(['lang', 'main', 'q_general']);
  });

  it('re-prompts on an invalid menu key with the invalid prompt', () => {
    const s1 = advance(demoFlow, toMainMenu().session, { digits: '7' }, unknown, call, SUN_NOON);
    expect(says(s1)[0]).toBe("Sorry, we didn't understand your choice.");
    expect(s1.events[0]).toMatchObject({ result: 'invalid', input: '7' });
  });

  it('re-prompts for an invalid account number, then accepts a valid one', () => {
    const acct = advance(demoFlow, toMainMenu().session, { digits: '1' }, unknown, call, SUN_NOON);
    const bad = advance(demoFlow, acct.session, { digits: '123' }, unknown, call, SUN_NOON);
    expect(says(bad)[0]).toMatch(/not valid/);
    expect(gather(bad)?.nodeId).toBe('account');
    expect(bad.session.inputs).toEqual({});
    const ok = advance(demoFlow, bad.session, { digits: '1234567#' }, unknown, call, SUN_NOON);
    expect(ok.session.inputs).toEqual({ account: '1234567' });
    expect(ok.collected).toEqual({ name: 'account', value: '1234567', sensitive: false });
    expect(ok.outcome).toEqual({ type: 'queue', queue: 'billing' });
    expect(ok.session.path).toEqual(['lang', 'main', 'account', 'q_billing']);
  });

  it('accepts Arabic-Indic digits for the account number', () => {
    const acct = advance(demoFlow, toMainMenu().session, { digits: '1' }, unknown, call, SUN_NOON);
    const ok = advance(demoFlow, acct.session, { digits: '٩٨٧٦٥٤' }, unknown, call, SUN_NOON);
    expect(ok.session.inputs.account).toBe('987654');
  });

  it('does not mutate the session passed in', () => {
    const menu = toMainMenu();
    const before = structuredClone(menu.session);
    advance(demoFlow, menu.session, { digits: '1' }, unknown, call, SUN_NOON);
    expect(menu.session).toEqual(before);
  });

  it('is deterministic: same inputs give equal steps', () => {
    const run = () => {
      const a = startCall(demoFlow, knownAr, call, SUN_NOON);
      const b = advance(demoFlow, a.session, { speech: 'أريد دفع الفاتورة' }, knownAr, call, SUN_NOON);
      return [a, b, advance(demoFlow, b.session, { digits: '55' }, knownAr, call, SUN_NOON)];
    };
    expect(run()).toEqual(run());
  });

  it('hangs up when advanced on a finished session', () => {
    const done = startCall(demoFlow, { ...knownAr, openComplaint: true }, call, SUN_NOON);
    const step = advance(demoFlow, done.session, { digits: '1' }, knownAr, call, SUN_NOON);
    expect(step.outcome).toEqual({ type: 'hangup' });
  });
});

describe('sensitive collect (PIN)', () => {
  const res = validateFlow({
    name: 'pin-test',
    start: 'pin',
    defaultLanguage: 'en',
    voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
    nodes: {
      pin: {
        type: 'collect',
        prompt: { ar: 'يرجى إدخال الرقم السري.', en: 'Please enter your PIN.' },
        name: 'pin',
        minDigits: 4,
        maxDigits: 4,
        pattern: '[0-9]{4}',
        sensitive: true,
        next: 'done',
        fallback: 'bye',
      },
      done: { type: 'queue', queue: 'verified' },
      bye: { type: 'hangup' },
    },
  });
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  const flow: TFlow = res.flow;

  it('masks the PIN in inputs and events but returns it in collected', () => {
    const s0 = startCall(flow, unknown, call, SUN_NOON);
    const s1 = advance(flow, s0.session, { digits: '4821' }, unknown, call, SUN_NOON);
    expect(s1.session.inputs).toEqual({ pin: '***' });
    expect(s1.collected).toEqual({ name: 'pin', value: '4821', sensitive: true });
    expect(s1.events[0]).toMatchObject({ nodeId: 'pin', result: 'matched', input: '***' });
    const { collected: _raw, ...rest } = s1;
    expect(JSON.stringify(rest)).not.toContain('4821');
  });

  it('masks an invalid PIN attempt too and uses the built-in invalid prompt', () => {
    const s0 = startCall(flow, unknown, call, SUN_NOON);
    const s1 = advance(flow, s0.session, { digits: '48' }, unknown, call, SUN_NOON);
    expect(s1.events[0]).toMatchObject({ result: 'invalid', input: '***' });
    expect(says(s1)[0]).toBe("Sorry, that wasn't a valid choice.");
    expect(JSON.stringify(s1)).not.toContain('48"');
    expect(s1.collected).toBeUndefined();
  });
});

describe('walk guard', () => {
  it(`hangs up after ${MAX_WALK} non-interactive nodes (unvalidated looping flow)`, () => {
    const looping = {
      ...demoFlow,
      start: 'a',
      nodes: { a: { type: 'say', prompt: { ar: 'أ', en: 'a' }, next: 'a' } },
    } as unknown as TFlow;
    const step = startCall(looping, unknown, call, SUN_NOON);
    expect(step.outcome).toEqual({ type: 'hangup' });
    expect(step.actions.filter((a) => a.type === 'say')).toHaveLength(MAX_WALK);
  });
});
