/**
 * What a caller waiting in line hears each time the provider asks: where they stand, how
 * long it should take, and the callback offer when a routing step allows it. Provider-neutral
 * actions; each telephony adapter only renders them.
 */
import type { Action, Lang, SayAction } from '../ivr/types.js';
import { callLang, voiceFor } from '../ivr/voices.js';
import { callbackConfirmed, callbackOffer } from './callback-prompts.js';

/** Where a queued caller stands, as `CallService.waiting` reports it. */
export interface WaitStatus {
  language: string;
  position: number;
  estimatedWaitSeconds: number;
  offerCallback: boolean;
}

/** Silence after the announcement before the provider asks again (without hold music). */
const HOLD_SECONDS = 15;
/** Shorter when we could not tell where the caller stands: the next ask may know. */
const UNKNOWN_HOLD_SECONDS = 10;

/**
 * The Arabic noun after a count of minutes: the plural (دقائق) for 3 to 10, the singular
 * (دقيقة) otherwise — as announced since launch, 2 included (not the dual, دقيقتان).
 */
export function arabicMinutes(minutes: number): string {
  return minutes > 2 && minutes <= 10 ? 'دقائق' : 'دقيقة';
}

const TEXT = {
  ar: {
    position: (n: number, m: number) => `ترتيبك في قائمة الانتظار هو ${n}. مدة الانتظار المتوقعة حوالي ${m} ${arabicMinutes(m)}.`,
    thanks: 'شكراً لانتظارك، سيرد عليك أحد موظفينا قريباً.',
  },
  en: {
    position: (n: number, m: number) => `You are number ${n} in the queue. Your estimated wait is about ${m} minute${m === 1 ? '' : 's'}.`,
    thanks: 'Thank you for waiting, an agent will be with you shortly.',
  },
} as const;

function say(lang: Lang, text: string): SayAction {
  return { type: 'say', text, language: lang, voice: voiceFor(lang) };
}

/** The estimate in whole minutes, rounded up and never "0 minutes". */
export function waitMinutes(estimatedWaitSeconds: number): number {
  return Math.max(1, Math.ceil(estimatedWaitSeconds / 60));
}

/**
 * What a queued caller hears next. `status` is undefined when we cannot tell where they
 * stand (the store is slow or away, or the call is not in our line): they are thanked and
 * keep waiting. `holdMusicUrl` plays after the announcement instead of silence.
 */
export function queueWaitPrompts(status: WaitStatus | undefined, opts: { holdMusicUrl?: string } = {}): Action[] {
  if (!status) return stillWaitingPrompts();
  const lang = callLang(status.language);
  const actions: Action[] = [say(lang, TEXT[lang].position(status.position, waitMinutes(status.estimatedWaitSeconds)))];
  if (status.offerCallback) actions.push(callbackOffer(lang));
  actions.push(opts.holdMusicUrl ? { type: 'play', url: opts.holdMusicUrl } : { type: 'pause', seconds: HOLD_SECONDS });
  return actions;
}

/**
 * Thanks for waiting, without a position: in the caller's language when we know it, else
 * in both (Arabic first, the line's language) — without the store we may not know theirs.
 */
export function stillWaitingPrompts(language?: string): Action[] {
  const langs = language === undefined ? (['ar', 'en'] as const) : [callLang(language)];
  return [...langs.map((l) => say(l, TEXT[l].thanks)), { type: 'pause', seconds: UNKNOWN_HOLD_SECONDS }];
}

/**
 * What the caller hears after answering the callback offer: `booked` is undefined when they
 * did not accept it. A booked callback is confirmed and the call let go; otherwise (another
 * key, or a withheld number we cannot call) the caller keeps waiting.
 */
export function afterCallbackChoice(booked: { accepted: boolean; language: string } | undefined): Action[] {
  return booked?.accepted ? callbackConfirmed(callLang(booked.language)) : stillWaitingPrompts(booked?.language);
}
