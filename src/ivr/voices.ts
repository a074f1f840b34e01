/**
 * The default text-to-speech voice per language: what the caller hears whenever the domain
 * speaks outside a flow (queue announcements, the callback offer and greeting, the apology
 * when our side fails). A flow's own `voices` stay that flow's choice.
 *
 * Names are Amazon Polly voices as Twilio spells them (`Polly.<Name>`); an adapter whose
 * provider names them differently (Amazon Connect's `Zeina`) translates, it does not choose.
 */
import type { Lang } from './types.js';

export const DEFAULT_VOICES: Readonly<Record<Lang, string>> = Object.freeze({ ar: 'Polly.Zeina', en: 'Polly.Joanna' });

/** The default voice for `lang`. */
export function voiceFor(lang: Lang): string {
  return DEFAULT_VOICES[lang];
}

/**
 * A call's stored language as one the prompts speak. Anything but English is Arabic: the
 * line's default language, the one a caller we know nothing about is greeted in.
 */
export function callLang(language: string): Lang {
  return language === 'en' ? 'en' : 'ar';
}
