import twilio from 'twilio';
import { fallbackActions } from '../../src/calls/fallback.js';
import type { Action, PlayAction, SayAction } from '../../src/ivr/types.js';

const { VoiceResponse } = twilio.twiml;
type Response = InstanceType<typeof VoiceResponse>;
type SayParent = Pick<Response, 'say' | 'play'>;

function sayOrPlay(parent: SayParent, a: SayAction | PlayAction): void {
  if (a.type === 'play') parent.play({}, a.url);
  // Polly/Google voices carry their own language; the attribute is set for the rest.
  else parent.say({ voice: a.voice as never, ...(/^(Polly|Google)\./.test(a.voice) ? {} : { language: (a.language === 'ar' ? 'ar-SA' : 'en-US') as never }) }, a.text);
}

/**
 * Renders provider-neutral IVR actions as TwiML. `gatherUrl` is where the caller's answer
 * goes: it carries the step number so a retried webhook is recognised.
 */
export function renderTwiml(actions: Action[], urls: { gather: string; queueWait?: string }): string {
  const response = new VoiceResponse();
  for (const a of actions) {
    switch (a.type) {
      case 'say':
      case 'play':
        sayOrPlay(response, a);
        break;
      case 'gather': {
        const gather = response.gather({
          action: urls.gather,
          method: 'POST',
          input: a.input,
          timeout: a.timeoutSeconds,
          // An empty result still calls us, so no-input retries run in the IVR engine.
          actionOnEmptyResult: true,
          language: a.speechLanguage as never,
          ...(a.numDigits ? { numDigits: a.numDigits } : {}),
          ...(a.finishOnKey ? { finishOnKey: a.finishOnKey } : {}),
          ...(a.hints && a.hints.length > 0 ? { hints: a.hints.join(',') } : {}),
          ...(a.input.includes('speech') ? { speechTimeout: 'auto' } : {}),
        });
        for (const p of a.prompt) sayOrPlay(gather, p);
        break;
      }
      case 'enqueue':
        response.enqueue(urls.queueWait ? { waitUrl: urls.queueWait, method: 'POST' } : {}, a.queue);
        break;
      case 'hangup':
        response.hangup();
        break;
    }
  }
  return response.toString();
}

/** The fallback (src/calls/fallback.ts decides what it says) as TwiML. */
export function renderFallbackTwiml(): string {
  return renderTwiml(fallbackActions(), { gather: '' });
}
