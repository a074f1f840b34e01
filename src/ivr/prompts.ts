/**
 * Prompt rendering: pick language + known/unknown variant, fill {name}.
 */
import type { TFlow, TPrompt } from './flow-schema.js';
import type { CallerContext, Lang, SayAction } from './types.js';

/** Built-in retry prompts used when a node doesn't define its own. */
export const DEFAULT_PROMPTS = {
  noInput: { ar: 'عذراً، لم أسمع أي إدخال.', en: "Sorry, I didn't hear anything." },
  invalid: { ar: 'عذراً، هذا الاختيار غير صحيح.', en: "Sorry, that wasn't a valid choice." },
} as const satisfies Record<string, TPrompt>;

/** Trimmed, control-char-free, length-capped caller name; "" when unknown. */
export function displayName(caller: CallerContext): string {
  // The name comes from a CRM; keep TTS input sane without trusting it.
  const raw = caller.name ?? '';
  return raw.replace(/[\p{Cc}\p{Cf}<>{}]/gu, ' ').replace(/\s+/g, ' ').trim().slice(0, 60);
}

/**
 * Text of a prompt in `lang`. Uses the `…Known` variant when the caller's name
 * is known and one exists; otherwise the base text with `{name}` -> name or "",
 * tidying the gap an empty name leaves ("Welcome ,!" -> "Welcome!").
 */
export function promptText(prompt: TPrompt, lang: Lang, name: string): string {
  const known = lang === 'ar' ? prompt.arKnown : prompt.enKnown;
  const base = name && known ? known : prompt[lang];
  let text = base.replaceAll('{name}', name);
  if (!name && base.includes('{name}')) {
    text = text
      .replace(/(?:^|\s)(?:يا|dear)\s*(?=[,،.!؟?]|$)/giu, '') // vocative left without a name
      .replace(/\s+([,،.!؟?])/g, '$1')
      .replace(/[,،]+(?=[.!؟?]|$)/g, '')
      .replace(/([,،])[,،]+/g, '$1');
  }
  return text.replace(/\s{2,}/g, ' ').trim();
}

/** Say action for a prompt in `lang`, using the flow's voice for that language. */
export function sayPrompt(flow: TFlow, prompt: TPrompt, lang: Lang, caller: CallerContext): SayAction {
  return { type: 'say', text: promptText(prompt, lang, displayName(caller)), language: lang, voice: flow.voices[lang] };
}
