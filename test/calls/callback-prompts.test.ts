import { describe, expect, it } from 'vitest';
import { callbackGreeting, callbackOffer, choseCallback } from '../../src/calls/callback-prompts.js';

describe('the callback prompts', () => {
  it('takes only the key the offer names as a yes', () => {
    expect(choseCallback('1')).toBe(true);
    for (const digits of [undefined, '', '2', '11', '#', '*']) expect(choseCallback(digits)).toBe(false);
  });

  it('offers the callback with one key and a short wait, so silence goes back to the hold', () => {
    expect(callbackOffer('ar')).toEqual({
      type: 'offer',
      offer: 'callback',
      numDigits: 1,
      timeoutSeconds: 5,
      prompt: [{ type: 'say', language: 'ar', voice: 'Polly.Zeina', text: 'إذا أردت أن نعاود الاتصال بك بدلاً من الانتظار، اضغط 1. ستحتفظ بدورك في قائمة الانتظار.' }],
    });
  });

  it('greets the customer we call back in their language before the agent is connected', () => {
    expect(callbackGreeting('en')).toEqual([{ type: 'say', language: 'en', voice: 'Polly.Joanna', text: 'Hello, this is the call back you asked for. Connecting you to an agent now.' }]);
    expect(callbackGreeting('ar')).toEqual([{ type: 'say', language: 'ar', voice: 'Polly.Zeina', text: 'مرحباً، نعاود الاتصال بك كما طلبت. سنوصلك الآن بأحد موظفينا.' }]);
  });
});
