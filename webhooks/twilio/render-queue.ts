import twilio from 'twilio';

const { VoiceResponse } = twilio.twiml;
const VOICE = { ar: 'Polly.Zeina', en: 'Polly.Joanna' } as const;

export interface WaitInfo {
  language: string;
  position: number;
  estimatedWaitSeconds: number;
  offerCallback: boolean;
}

const text = {
  ar: {
    position: (n: number, m: number) => `ترتيبك في قائمة الانتظار هو ${n}. مدة الانتظار المتوقعة حوالي ${m} ${m <= 10 && m > 2 ? 'دقائق' : 'دقيقة'}.`,
    callback: 'إذا أردت أن نعاود الاتصال بك بدلاً من الانتظار، اضغط 1. ستحتفظ بدورك في قائمة الانتظار.',
    confirmed: 'شكراً لك. سنتصل بك على الرقم الذي تتصل منه عندما يحين دورك. مع السلامة.',
    thanks: 'شكراً لانتظارك، سيرد عليك أحد موظفينا قريباً.',
  },
  en: {
    position: (n: number, m: number) => `You are number ${n} in the queue. Your estimated wait is about ${m} minute${m === 1 ? '' : 's'}.`,
    callback: 'To be called back instead of waiting, press 1. You will keep your place in the queue.',
    confirmed: 'Thank you. We will call you back on the number you are calling from when it is your turn. Goodbye.',
    thanks: 'Thank you for waiting, an agent will be with you shortly.',
  },
};

function lang(language: string): 'ar' | 'en' {
  return language === 'en' ? 'en' : 'ar';
}

/** What a caller hears while waiting: position, estimated wait, and a callback offer when a step allows it. */
export function renderQueueWait(info: WaitInfo | undefined, urls: { callback: string; holdMusic?: string }): string {
  const response = new VoiceResponse();
  if (!info) {
    response.say({ voice: VOICE.ar as never }, text.ar.thanks);
    response.pause({ length: 10 });
    return response.toString();
  }
  const l = lang(info.language);
  const minutes = Math.max(1, Math.ceil(info.estimatedWaitSeconds / 60));
  response.say({ voice: VOICE[l] as never }, text[l].position(info.position, minutes));
  if (info.offerCallback) {
    response.gather({ action: urls.callback, method: 'POST', input: ['dtmf'], numDigits: 1, timeout: 5 }).say({ voice: VOICE[l] as never }, text[l].callback);
  }
  if (urls.holdMusic) response.play({}, urls.holdMusic);
  else response.pause({ length: 15 });
  return response.toString();
}

/** The caller pressed 1: confirm the callback and let them go. */
export function renderCallbackConfirmed(language: string): string {
  const response = new VoiceResponse();
  const l = lang(language);
  response.say({ voice: VOICE[l] as never }, text[l].confirmed);
  response.hangup();
  return response.toString();
}
