import { describe, expect, it } from 'vitest';
import { afterCallbackChoice, arabicMinutes, queueWaitPrompts, type WaitStatus } from '../../src/calls/queue-wait.js';
import type { Action } from '../../src/ivr/types.js';

const said = (actions: Action[]) => actions.flatMap((a) => (a.type === 'say' ? [a.text] : a.type === 'offer' ? a.prompt.flatMap((p) => (p.type === 'say' ? [p.text] : [])) : []));
const waiting = (over: Partial<WaitStatus>): WaitStatus => ({ language: 'ar', position: 1, estimatedWaitSeconds: 60, offerCallback: false, ...over });

describe('what a waiting caller hears', () => {
  it('says 3 to 10 minutes with the Arabic plural, and 1, 2 and 11 or more with the singular', () => {
    expect([1, 2, 3, 7, 10, 11, 25].map((m) => `${m} ${arabicMinutes(m)}`)).toEqual(['1 دقيقة', '2 دقيقة', '3 دقائق', '7 دقائق', '10 دقائق', '11 دقيقة', '25 دقيقة']);
    expect(said(queueWaitPrompts(waiting({ estimatedWaitSeconds: 4 * 60 })))).toEqual(['ترتيبك في قائمة الانتظار هو 1. مدة الانتظار المتوقعة حوالي 4 دقائق.']);
    expect(said(queueWaitPrompts(waiting({ estimatedWaitSeconds: 12 * 60 })))).toEqual(['ترتيبك في قائمة الانتظار هو 1. مدة الانتظار المتوقعة حوالي 12 دقيقة.']);
  });

  it('tells an English caller their place and wait, "minute" for one and "minutes" for more', () => {
    expect(said(queueWaitPrompts(waiting({ language: 'en', position: 1, estimatedWaitSeconds: 45 })))).toEqual(['You are number 1 in the queue. Your estimated wait is about 1 minute.']);
    expect(said(queueWaitPrompts(waiting({ language: 'en', position: 7, estimatedWaitSeconds: 125 })))).toEqual(['You are number 7 in the queue. Your estimated wait is about 3 minutes.']);
  });

  it('never announces a wait of 0 minutes and rounds a part-minute up', () => {
    expect(said(queueWaitPrompts(waiting({ language: 'en', estimatedWaitSeconds: 0 })))[0]).toContain('about 1 minute.');
    expect(said(queueWaitPrompts(waiting({ language: 'en', estimatedWaitSeconds: 61 })))[0]).toContain('about 2 minutes.');
  });

  it('speaks Arabic to a caller whose language is neither Arabic nor English, in the Arabic voice', () => {
    const [first] = queueWaitPrompts(waiting({ language: 'fr', position: 3 }));
    expect(first).toMatchObject({ type: 'say', language: 'ar', voice: 'Polly.Zeina', text: expect.stringContaining('هو 3') });
    expect(queueWaitPrompts(waiting({ language: 'en' }))[0]).toMatchObject({ language: 'en', voice: 'Polly.Joanna' });
  });

  it('offers the callback, in the caller\'s language, only when a routing step allows it', () => {
    expect(queueWaitPrompts(waiting({ offerCallback: false })).some((a) => a.type === 'offer')).toBe(false);
    const offered = queueWaitPrompts(waiting({ language: 'en', offerCallback: true }));
    expect(offered.find((a) => a.type === 'offer')).toMatchObject({ offer: 'callback', numDigits: 1 });
    expect(said(offered)).toContain('To be called back instead of waiting, press 1. You will keep your place in the queue.');
    expect(said(queueWaitPrompts(waiting({ offerCallback: true })))[1]).toContain('اضغط 1');
  });

  it('holds with music when there is some, else with 15 s of silence, after the announcement', () => {
    expect(queueWaitPrompts(waiting({})).at(-1)).toEqual({ type: 'pause', seconds: 15 });
    expect(queueWaitPrompts(waiting({}), { holdMusicUrl: 'https://cdn.example.test/hold.mp3' }).at(-1)).toEqual({ type: 'play', url: 'https://cdn.example.test/hold.mp3' });
  });

  it('thanks a caller whose place and language are unknown in Arabic then English, and asks again sooner', () => {
    expect(queueWaitPrompts(undefined, { holdMusicUrl: 'https://cdn.example.test/hold.mp3' })).toEqual([
      { type: 'say', text: 'شكراً لانتظارك، سيرد عليك أحد موظفينا قريباً.', language: 'ar', voice: 'Polly.Zeina' },
      { type: 'say', text: 'Thank you for waiting, an agent will be with you shortly.', language: 'en', voice: 'Polly.Joanna' },
      { type: 'pause', seconds: 10 },
    ]);
  });
});

describe('after the callback offer', () => {
  it('confirms a booked callback in the caller\'s language and lets them go', () => {
    const actions = afterCallbackChoice({ accepted: true, language: 'en' });
    expect(said(actions)).toEqual(['Thank you. We will call you back on the number you are calling from when it is your turn. Goodbye.']);
    expect(actions.at(-1)).toEqual({ type: 'hangup' });
    expect(said(afterCallbackChoice({ accepted: true, language: 'ar' }))[0]).toContain('سنتصل بك');
  });

  it('keeps waiting a caller who pressed another key, or whose number cannot be called back, and never hangs up on them', () => {
    for (const [booked, heard] of [
      [undefined, ['شكراً لانتظارك، سيرد عليك أحد موظفينا قريباً.', 'Thank you for waiting, an agent will be with you shortly.']],
      [{ accepted: false, language: 'en' }, ['Thank you for waiting, an agent will be with you shortly.']],
    ] as const) {
      const actions = afterCallbackChoice(booked);
      expect(said(actions)).toEqual(heard);
      expect(actions.some((a) => a.type === 'hangup')).toBe(false);
    }
  });
});
