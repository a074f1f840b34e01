/**
 * What a caller hears as their agent hands them on (a cold transfer), before the hold.
 * Provider-neutral actions; each telephony adapter only renders them.
 */
import type { Lang, SayAction } from '../ivr/types.js';
import { voiceFor } from '../ivr/voices.js';

const TEXT = {
  ar: 'سنحوّل مكالمتك الآن إلى الموظف المختص. يرجى الانتظار، ولن نطلب منك إعادة ما قلته.',
  en: 'We are transferring your call now. Please hold; you will not be asked again for what you already told us.',
} as const satisfies Record<Lang, string>;

export function transferHold(lang: Lang): SayAction[] {
  return [{ type: 'say', text: TEXT[lang], language: lang, voice: voiceFor(lang) }];
}
