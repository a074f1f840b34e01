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
  /** Media Streams' endpoint (wss://<PUBLIC_BASE_URL host>/webhooks/twilio/media): no query string, ids go as <Parameter>s. */
  media?: string;
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
        // A sensitive gather (a PIN) arrives keypad-only from the domain: no speech recognition
        // hears it. Twilio has no per-<Gather> masking flag; the account's PCI Mode redacts
        // keyed digits on Twilio's side, and ours never stores or logs them.
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
          ...(a.maxSpeechSeconds ? { maxSpeechTime: a.maxSpeechSeconds } : {}),
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
      case 'stream_start': {
        // Named by the request so that <Stop> can end this stream and no other (an enrolment may run beside it).
        const stream = response.start().stream({ name: a.requestId, url: required(urls.media, 'the media stream'), track: 'inbound_track' });
        stream.parameter({ name: 'requestId', value: a.requestId });
        stream.parameter({ name: 'purpose', value: a.purpose });
        break;
      }
      case 'stream_stop':
        response.stop().stream({ name: a.requestId });
        break;
      case 'redirect':
        // Back to the IVR for its next step (a verdict awaited): the same URL a gather answers to.
        response.redirect({ method: 'POST' }, required(urls.gather, 'the IVR redirect'));
        break;
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
