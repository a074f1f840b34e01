import type { QueueEntryRecord } from '../routing/queue-store.js';
import { fillContextDefaults, type RoutingContextInput } from '../routing/rules/index.js';
import type { PopContext } from './pop-context.js';
import { popVerification } from './verification.js';
import type { HistoryItem, ScreenPop, SentimentSummarizer } from './types.js';

const HISTORY_SHOWN = 5;

export interface PopOffer {
  reservationId: string;
  agentId: string;
  entry: QueueEntryRecord;
  now: Date;
  expiresAt: Date;
}

/**
 * The pop for one offer, from what is already in memory: the queue entry (which holds what
 * the caller did in the IVR, as routing saw it) and the caller's profile and history read
 * when the call started. `context` is undefined when those reads failed: the pop then says
 * it is incomplete rather than wait.
 */
export function buildScreenPop(offer: PopOffer, context: PopContext | undefined, summarize: SentimentSummarizer): ScreenPop {
  const { entry, now } = offer;
  const routed = fillContextDefaults(entry.context as RoutingContextInput);
  const customer = context?.customer;
  const items = context?.history ?? [];
  const history: HistoryItem[] = items.map((h) => ({ channel: h.channel, type: h.type, at: h.at.toISOString(), summary: h.summary, sentiment: h.sentimentLabel }));
  const scores = items.flatMap((h) => (h.sentimentScore === null ? [] : [h.sentimentScore]));
  const expiresAt = offer.expiresAt.toISOString();
  return {
    call: {
      id: entry.callId,
      provider: context?.call.provider ?? 'unknown',
      providerCallId: context?.call.providerCallId ?? null,
      from: context?.call.from ?? routed.call.from,
      language: entry.language,
      queue: entry.queue,
      waitSeconds: Math.max(0, Math.round((now.getTime() - entry.enqueuedAt.getTime()) / 1000)),
      reservationId: offer.reservationId,
    },
    reservation: { id: offer.reservationId, expiresAt, timeoutSeconds: Math.max(0, Math.round((offer.expiresAt.getTime() - now.getTime()) / 1000)) },
    customer: customer
      ? { id: customer.id, name: customer.name, tier: customer.tier, known: true, language: customer.language }
      : { id: null, name: null, tier: null, known: false },
    accountValue: customer?.accountValue ? { ...customer.accountValue, tier: customer.tier } : null,
    // The IVR's verdict as routing saved it with the entry (skipped when the flow had no verify step).
    verification: popVerification(entry.context),
    experience: context?.experience ?? null,
    ...transferOf(entry.context),
    sentiment: summarize(scores),
    lastInteraction: history[0] ?? null,
    history: history.slice(0, HISTORY_SHOWN),
    ivr: { path: routed.ivr.path, intent: routed.ivr.intent || null, inputs: routed.ivr.inputs },
    complete: context !== undefined && (entry.customerId === null || customer !== undefined),
  };
}

/** The transfer the routing context carries (a transferred call), as the pop shows it. */
function transferOf(context: unknown): Pick<ScreenPop, 'transfer'> {
  const t = (context as { transfer?: { from?: unknown; note?: unknown; mode?: unknown } } | null)?.transfer;
  if (!t || typeof t.from !== 'string') return {};
  return { transfer: { from: t.from, note: typeof t.note === 'string' ? t.note : null, mode: t.mode === 'warm' ? 'warm' : 'cold' } };
}
