/**
 * What a caller hears about a callback: the offer while they wait, the confirmation once it
 * is booked, and the greeting when we call them back. Provider-neutral actions; each
 * telephony adapter only renders them.
 */
import type { Action, Lang, OfferAction, SayAction } from '../ivr/types.js';
import { voiceFor } from '../ivr/voices.js';

/** The key that accepts the offer; the offer's wording names it. */
export const CALLBACK_KEY = '1';

/** How long the offer waits for the key before the caller hears the rest of the hold. */
const OFFER_TIMEOUT_SECONDS = 5;

const TEXT = {
  ar: {
    offer: `إذا أردت أن نعاود الاتصال بك بدلاً من الانتظار، اضغط ${CALLBACK_KEY}. ستحتفظ بدورك في قائمة الانتظار.`,
    confirmed: 'شكراً لك. سنتصل بك على الرقم الذي تتصل منه عندما يحين دورك. مع السلامة.',
    greeting: 'مرحباً، نعاود الاتصال بك كما طلبت. سنوصلك الآن بأحد موظفينا.',
  },
  en: {
    offer: `To be called back instead of waiting, press ${CALLBACK_KEY}. You will keep your place in the queue.`,
    confirmed: 'Thank you. We will call you back on the number you are calling from when it is your turn. Goodbye.',
    greeting: 'Hello, this is the call back you asked for. Connecting you to an agent now.',
  },
} as const satisfies Record<Lang, Record<string, string>>;

function say(lang: Lang, text: string): SayAction {
  return { type: 'say', text, language: lang, voice: voiceFor(lang) };
}

/** The offer to be called back instead of waiting (the caller keeps their place). */
export function callbackOffer(lang: Lang): OfferAction {
  return { type: 'offer', offer: 'callback', numDigits: CALLBACK_KEY.length, timeoutSeconds: OFFER_TIMEOUT_SECONDS, prompt: [say(lang, TEXT[lang].offer)] };
}

/** Whether the keys the caller pressed at the offer accept it. */
export function choseCallback(digits: string | undefined): boolean {
  return digits === CALLBACK_KEY;
}

/** The callback is booked: tell the caller and let them go. */
export function callbackConfirmed(lang: Lang): Action[] {
  return [say(lang, TEXT[lang].confirmed), { type: 'hangup' }];
}

/** What the customer hears when we call them back, before the agent is connected. */
export function callbackGreeting(lang: Lang): SayAction[] {
  return [say(lang, TEXT[lang].greeting)];
}
