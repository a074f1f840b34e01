import twilio from 'twilio';
import type { Action, OfferKind, PlayAction, SayAction } from '../../src/ivr/types.js';

const { VoiceResponse } = twilio.twiml;
type Response = InstanceType<typeof VoiceResponse>;
type SayParent = Pick<Response, 'say' | 'play'>;

/** Where the caller's answers go: Twilio posts each to a URL of ours. */
export interface TwimlUrls {
  /** An IVR gather's answer: carries the step number so a retried webhook is recognised. */
  gather?: string;
  /** Enqueue's waitUrl: what the caller hears while waiting. */
  queueWait?: string;
  /** The key pressed at each offer made outside the flow. */
  offers?: Partial<Record<OfferKind, string>>;
}

function sayOrPlay(parent: SayParent, a: SayAction | PlayAction): void {
  if (a.type === 'play') parent.play({}, a.url);
  // Polly/Google voices carry their own language; the attribute is set for the rest.
  else parent.say({ voice: a.voice as never, ...(/^(Polly|Google)\./.test(a.voice) ? {} : { language: (a.language === 'ar' ? 'ar-SA' : 'en-US') as never }) }, a.text);
}

/** An action whose answer has nowhere to go is our bug, not something to render half. */
function required(url: string | undefined, what: string): string {
  if (!url) throw new Error(`no URL for ${what}`);
  return url;
}

/** Provider-neutral actions as a TwiML document, to send or to extend (a `<Dial>` after). */
export function twimlFor(actions: Action[], urls: TwimlUrls = {}): Response {
  const response = new VoiceResponse();
  for (const a of actions) {
    switch (a.type) {
      case 'say':
      case 'play':
        sayOrPlay(response, a);
        break;
      case 'pause':
        response.pause({ length: a.seconds });
        break;
      case 'gather': {
        const gather = response.gather({
          action: required(urls.gather, 'the IVR gather'),
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
      case 'offer': {
        // No actionOnEmptyResult: silence falls through to the next verb (the hold).
        const gather = response.gather({ action: required(urls.offers?.[a.offer], `the ${a.offer} offer`), method: 'POST', input: ['dtmf'], numDigits: a.numDigits, timeout: a.timeoutSeconds });
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
  return response;
}

/** Renders provider-neutral actions as TwiML. */
export function renderTwiml(actions: Action[], urls: TwimlUrls = {}): string {
  return twimlFor(actions, urls).toString();
}
