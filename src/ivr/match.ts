/**
 * Interprets caller input against one interactive node (no side effects).
 */
import type { TCollectNode, TLanguageNode, TMenuNode, TRatingNode } from './flow-schema.js';
import { spokenNumber } from './numbers.js';
import type { InteractiveNode } from './gather.js';
import { compileLinearPattern } from '../cel/linear-matches.js';
import { matchesAny, normalizeDigits } from './speech.js';
import type { Input, Lang } from './types.js';

export type MatchResult =
  | { kind: 'no_input' }
  | { kind: 'invalid'; shown: string }
  | { kind: 'language'; next: string; language: Lang; shown: string }
  | { kind: 'menu'; next: string; intent: string; shown: string }
  | { kind: 'collect'; next: string; value: string; shown: string }
  | { kind: 'rating'; next: string; value: number; shown: string };

/** True when the caller gave nothing (a gather timeout). */
export function isNoInput(input: Input): boolean {
  return !input.digits?.trim() && !input.speech?.trim();
}

/**
 * Match `input` for `node`. DTMF wins over speech when both are present and
 * the digits match; otherwise speech is tried. `shown` is the event-safe form
 * of the input (masked for sensitive collects).
 */
export function matchInput(node: InteractiveNode, input: Input): MatchResult {
  if (isNoInput(input)) return { kind: 'no_input' };
  switch (node.type) {
    case 'language':
      return matchLanguage(node, input);
    case 'menu':
      return matchMenu(node, input);
    case 'collect':
      return matchCollect(node, input);
    case 'rating':
      return matchRating(node, input);
  }
}

function shownOf(input: Input): string {
  return (input.digits?.trim() || input.speech?.trim() || '').slice(0, 200);
}

function matchLanguage(node: TLanguageNode, input: Input): MatchResult {
  const shown = shownOf(input);
  const key = normalizeDigits(input.digits ?? '');
  const byKey = key ? node.options[key] : undefined;
  if (byKey) return { kind: 'language', next: node.next, language: byKey, shown };
  const said = input.speech ?? '';
  // Arabic first: the speech lists are disjoint in practice, order only breaks ties.
  for (const lang of ['ar', 'en'] as const) {
    if (said && matchesAny(said, node.speech?.[lang])) return { kind: 'language', next: node.next, language: lang, shown };
  }
  return { kind: 'invalid', shown };
}

function matchMenu(node: TMenuNode, input: Input): MatchResult {
  const shown = shownOf(input);
  const key = normalizeDigits(input.digits ?? '');
  // First option in authoring order wins, so authors control ambiguity.
  const option =
    (key ? node.options.find((o) => o.digit === key) : undefined) ??
    (input.speech ? node.options.find((o) => matchesAny(input.speech ?? '', o.speech)) : undefined);
  if (!option) return { kind: 'invalid', shown };
  return { kind: 'menu', next: option.next, intent: option.intent ?? option.next, shown };
}

function matchCollect(node: TCollectNode, input: Input): MatchResult {
  let value = normalizeDigits(input.digits?.trim() ? input.digits : (input.speech ?? ''));
  // Some providers pass the terminator through; it's not part of the value.
  if (value.endsWith(node.finishOnKey)) value = value.slice(0, -1);
  const shown = node.sensitive ? '***' : value || shownOf(input);
  const ok =
    /^[0-9]+$/.test(value) &&
    value.length >= node.minDigits &&
    value.length <= node.maxDigits &&
    (!node.pattern || matchesWhole(node.pattern, value));
  return ok ? { kind: 'collect', next: node.next, value, shown } : { kind: 'invalid', shown };
}

/** Keys win over speech when they form a number; out of range is invalid (the caller is asked again). */
function matchRating(node: TRatingNode, input: Input): MatchResult {
  const shown = shownOf(input);
  const keys = normalizeDigits(input.digits?.trim() ?? '').replace(/#$/, '');
  const value = /^[0-9]{1,3}$/.test(keys) ? Number(keys) : input.speech ? spokenNumber(input.speech) : undefined;
  if (value === undefined || value < node.min || value > node.max) return { kind: 'invalid', shown };
  return { kind: 'rating', next: node.next, value, shown };
}

// RE2, not RegExp: a backtracking engine lets a pattern like `(1+)+0` hang the node on 32 digits.
function matchesWhole(pattern: string, value: string): boolean {
  const compiled = compileLinearPattern(`^(?:${pattern})$`);
  return compiled.ok && compiled.re.test(value);
}
