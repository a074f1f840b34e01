import type { FlowResult } from '../../src/calls/external-flow.js';

/** The answer keys of DESIGN.md, read by flow designers as `$.External.<key>`. */
export const ANSWER_KEYS = ['known', 'customerId', 'customerName', 'language', 'tier', 'accountValue', 'verification', 'queue', 'queueArn', 'priority', 'callbackOffered', 'degraded'] as const;
export type FlowAnswer = Record<(typeof ANSWER_KEYS)[number], string>;

/**
 * Connect refuses a Lambda answer over 32 KB. Twelve values of at most this many UTF-8 bytes
 * stay far below it, whatever a CRM holds (an Arabic letter is two bytes).
 */
export const MAX_VALUE_BYTES = 1024;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const encoder = new TextEncoder();

/** Cut at a character boundary (never inside a surrogate pair or a letter with its marks). */
export function truncateUtf8(value: string, maxBytes = MAX_VALUE_BYTES): string {
  if (encoder.encode(value).length <= maxBytes) return value;
  let out = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(value)) {
    const size = encoder.encode(segment).length;
    if (bytes + size > maxBytes) break;
    out += segment;
    bytes += size;
  }
  return out;
}

/** The flat string map Connect wants: every key always present ('' when not known), so a flow never reads a missing attribute. */
export function renderAnswer(r: FlowResult): FlowAnswer {
  const answer: FlowAnswer = {
    known: String(r.known),
    customerId: r.customer?.id ?? '',
    customerName: r.customer?.name ?? '',
    language: r.language,
    tier: r.customer?.tier ?? '',
    accountValue: r.customer?.accountValue ? String(r.customer.accountValue.amount) : '',
    verification: r.verification ?? '',
    queue: r.route?.queue ?? '',
    queueArn: r.route?.queueArn ?? '',
    priority: r.route ? String(r.route.priority) : '',
    callbackOffered: String(r.route?.callbackOffered ?? false),
    degraded: String(r.degraded),
  };
  for (const k of ANSWER_KEYS) answer[k] = truncateUtf8(answer[k]);
  return answer;
}
