/**
 * Builds `gather` actions (and retry prompts) for interactive nodes.
 */
import type { TCollectNode, TFlow, TLanguageNode, TMenuNode, TPrompt, TRatingNode } from './flow-schema.js';
import { numberHints } from './numbers.js';
import { DEFAULT_PROMPTS, sayPrompt } from './prompts.js';
import type { CallerContext, GatherAction, Lang, SayAction } from './types.js';

export type InteractiveNode = TLanguageNode | TMenuNode | TCollectNode | TRatingNode;

const MAX_HINTS = 100;

/**
 * Say actions for `prompt`. The language node speaks every prompt in both
 * languages (current one first) because the caller hasn't chosen yet.
 */
export function promptActions(
  flow: TFlow,
  node: InteractiveNode,
  prompt: TPrompt,
  lang: Lang,
  caller: CallerContext,
): SayAction[] {
  if (node.type !== 'language') return [sayPrompt(flow, prompt, lang, caller)];
  const other: Lang = lang === 'ar' ? 'en' : 'ar';
  return [sayPrompt(flow, prompt, lang, caller), sayPrompt(flow, prompt, other, caller)];
}

/** Retry prompt after a failed attempt: the node's own, else the built-in default. */
export function retryActions(
  flow: TFlow,
  node: InteractiveNode,
  kind: 'no_input' | 'invalid',
  lang: Lang,
  caller: CallerContext,
): SayAction[] {
  const prompt =
    kind === 'no_input'
      ? (node.noInputPrompt ?? DEFAULT_PROMPTS.noInput)
      : (node.invalidPrompt ?? DEFAULT_PROMPTS.invalid);
  return promptActions(flow, node, prompt, lang, caller);
}

/** The provider-neutral gather for an interactive node, prompt included. */
export function buildGather(
  flow: TFlow,
  nodeId: string,
  node: InteractiveNode,
  lang: Lang,
  caller: CallerContext,
): GatherAction {
  const base = {
    type: 'gather' as const,
    nodeId,
    timeoutSeconds: node.timeoutSeconds,
    speechLanguage: flow.speechLanguages[lang],
    prompt: promptActions(flow, node, node.prompt, lang, caller),
  };
  if (node.type === 'collect') {
    // Digits only: account numbers/PINs via ASR are error-prone and would leak PINs to the ASR vendor.
    return { ...base, input: ['dtmf'], numDigits: node.maxDigits, finishOnKey: node.finishOnKey };
  }
  if (node.type === 'rating') {
    // "10" takes two keys; a single key is taken when the caller stops (the timeout) or presses #.
    return { ...base, input: ['dtmf', 'speech'], numDigits: String(node.max).length, finishOnKey: '#', hints: numberHints(node.min, node.max).slice(0, MAX_HINTS) };
  }
  const hints = dedupe(
    node.type === 'menu'
      ? (node.hints ?? node.options.flatMap((o) => o.speech ?? []))
      : [...(node.speech?.ar ?? []), ...(node.speech?.en ?? [])],
  ).slice(0, MAX_HINTS);
  const speech = hints.length > 0 || (node.type === 'menu' && node.options.some((o) => o.speech?.length));
  return {
    ...base,
    input: speech ? ['dtmf', 'speech'] : ['dtmf'],
    numDigits: 1,
    ...(hints.length ? { hints } : {}),
  };
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}
