/**
 * A survey's rating question understands the number a caller presses or says, in English
 * and in Arabic as spoken in the Gulf, and asks again for anything outside the scale.
 */
import { describe, expect, it } from 'vitest';
import { advance, startCall } from '../../src/ivr/engine.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import { spokenNumber } from '../../src/ivr/numbers.js';
import { surveyFlow } from '../../src/ivr/survey-flow.js';
import type { CallerContext, GatherAction, Input, SayAction, Step } from '../../src/ivr/types.js';

const NOW = new Date('2026-11-29T07:00:00Z');
const caller: CallerContext = { known: true, language: 'ar', openComplaint: false };
const call = { from: '+966501234567' };
const gather = (s: Step) => s.actions.find((a): a is GatherAction => a.type === 'gather');
const says = (s: Step) => s.actions.filter((a): a is SayAction => a.type === 'say').map((a) => a.text);

/** The survey's answer to one input at the CSAT question (1-5). */
function atCsat(input: Input): Step {
  const first = startCall(surveyFlow, caller, call, NOW);
  return advance(surveyFlow, first.session, input, caller, call, NOW);
}
/** ... and at the NPS question (0-10). */
function atNps(input: Input): Step {
  const csat = atCsat({ digits: '4' });
  return advance(surveyFlow, csat.session, input, caller, call, NOW);
}

describe('spoken numbers', () => {
  it.each([
    ['خمسة', 5],
    ['خمسه', 5],
    ['عشرة', 10],
    ['تسعة', 9],
    ['واحد', 1],
    ['ثنين', 2],
    ['اثنين', 2],
    ['إثنين', 2],
    ['ثمان', 8],
    ['ثمنية', 8],
    ['صفر', 0],
    ['أعطيكم أربعة', 4],
    ['وخمسة', 5],
    ['عشرة من عشرة', 10],
    ['٧', 7],
    ['١٠', 10],
    ['۹', 9],
    ['nine out of ten', 9],
    ["I'd say Five.", 5],
    ['10.', 10],
  ])('"%s" is %i', (said, value) => {
    expect(spokenNumber(said)).toBe(value);
  });

  it('finds no number in words that are not one', () => {
    expect(spokenNumber('ممتاز شكرا')).toBeUndefined();
    expect(spokenNumber('the agent was great')).toBeUndefined();
    expect(spokenNumber('')).toBeUndefined();
  });
});

describe('the rating node', () => {
  it('asks CSAT by keypad or speech in the call language, with number hints', () => {
    const first = startCall(surveyFlow, caller, call, NOW);
    expect(gather(first)).toMatchObject({ nodeId: 'csat', input: ['dtmf', 'speech'], numDigits: 1, finishOnKey: '#', speechLanguage: 'ar-SA' });
    expect(gather(first)?.hints).toEqual(expect.arrayContaining(['1', 'خمسة', 'five']));
    expect(says(first)[0]).toMatch(/سؤالين/);
  });

  it('takes two keys for NPS, so 10 can be keyed', () => {
    const csat = atCsat({ digits: '4' });
    expect(gather(csat)).toMatchObject({ nodeId: 'nps', numDigits: 2 });
    expect(csat.session.inputs).toEqual({ csat: '4' });
  });

  it.each<[Input, string]>([
    [{ digits: '5' }, '5'],
    [{ digits: '٣' }, '3'],
    [{ speech: 'خمسة' }, '5'],
    [{ speech: 'ثنين' }, '2'],
    [{ speech: 'four' }, '4'],
    [{ speech: '١' }, '1'],
  ])('stores CSAT %j as %s and moves to NPS', (input, stored) => {
    const step = atCsat(input);
    expect(step.session.inputs.csat).toBe(stored);
    expect(step.session.nodeId).toBe('nps');
    expect(step.events[0]).toMatchObject({ nodeId: 'csat', nodeType: 'rating', result: 'matched' });
  });

  it.each<[Input, string]>([
    [{ digits: '10' }, '10'],
    [{ digits: '9#' }, '9'],
    [{ digits: '0' }, '0'],
    [{ speech: 'عشرة' }, '10'],
    [{ speech: 'تسعة' }, '9'],
    [{ speech: 'ten out of ten' }, '10'],
  ])('stores NPS %j as %s and thanks the caller', (input, stored) => {
    const step = atNps(input);
    expect(step.session.inputs).toEqual({ csat: '4', nps: stored });
    expect(step.outcome).toEqual({ type: 'hangup' });
    expect(says(step)).toContain('شكراً لك، مع السلامة.');
  });

  it.each<[string, Input]>([
    ['a key above the scale', { digits: '7' }],
    ['zero, below the scale', { digits: '0' }],
    ['a spoken number above the scale', { speech: 'عشرة' }],
    ['words without a number', { speech: 'ممتاز' }],
  ])('asks CSAT again for %s', (_why, input) => {
    const step = atCsat(input);
    expect(step.session.inputs.csat).toBeUndefined();
    expect(step.session.nodeId).toBe('csat');
    expect(says(step)[0]).toBe('عذراً، يرجى اختيار رقم من واحد إلى خمسة.');
    expect(step.events[0]).toMatchObject({ nodeId: 'csat', result: 'invalid' });
  });

  it('refuses NPS 11 and moves on without an answer after the retries', () => {
    const once = atNps({ digits: '11' });
    expect(once.session.inputs.nps).toBeUndefined();
    expect(once.session.nodeId).toBe('nps');
    const twice = advance(surveyFlow, once.session, { speech: 'eleven' }, caller, call, NOW);
    expect(twice.session.inputs).toEqual({ csat: '4' });
    expect(twice.outcome).toEqual({ type: 'hangup' });
  });

  it('is refused when min is above max', () => {
    const def = structuredClone(surveyFlow) as unknown as { nodes: Record<string, Record<string, unknown>> };
    def.nodes.csat!.min = 6;
    const res = validateFlow(def);
    expect(res.ok).toBe(false);
    expect(!res.ok && res.errors).toEqual([{ path: 'nodes.csat.min', message: 'min must be <= max' }]);
  });
});
