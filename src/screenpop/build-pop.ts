import type { Db } from '../db/client.js';
import type { Session } from '../ivr/types.js';
import type { ReservationEvent } from '../routing/routing-service.js';
import type { PopContextCache } from './pop-context.js';
import type { HistoryItem, ScreenPop, SentimentSummarizer } from './types.js';

const HISTORY_SHOWN = 5;

/**
 * Builds the pop for one offer. The caller's own profile and history come from the cache
 * filled when the call started; only the call row is read now.
 */
export async function buildScreenPop(
  deps: { db: Db; context: PopContextCache; summarize: SentimentSummarizer; now: () => Date },
  ev: ReservationEvent,
): Promise<ScreenPop> {
  const call = await deps.db.call.findUniqueOrThrow({ where: { id: ev.callId } });
  let complete = true;
  const ctx = await deps.context.get(call.id, call.customerId).catch(() => {
    complete = false;
    return { customer: undefined, history: [] };
  });
  const session = call.session as unknown as Session;
  const customer = ctx.customer;
  const history: HistoryItem[] = ctx.history.map((h) => ({ channel: h.channel, type: h.type, at: h.at.toISOString(), summary: h.summary, sentiment: h.sentimentLabel }));
  const scores = ctx.history.flatMap((h) => (h.sentimentScore === null ? [] : [h.sentimentScore]));
  const now = deps.now();
  const expiresAt = new Date(ev.expiresAt);
  return {
    call: {
      id: call.id,
      provider: call.provider,
      from: call.fromE164 ?? call.fromRaw,
      language: call.language,
      queue: ev.queue,
      waitSeconds: Math.max(0, Math.round((now.getTime() - new Date(ev.enqueuedAt).getTime()) / 1000)),
      reservationId: ev.reservationId,
    },
    reservation: { id: ev.reservationId, expiresAt: ev.expiresAt, timeoutSeconds: Math.max(0, Math.round((expiresAt.getTime() - now.getTime()) / 1000)) },
    customer: customer
      ? { id: customer.id, name: customer.name, tier: customer.tier, known: true, language: customer.language }
      : { id: null, name: null, tier: null, known: false },
    accountValue: customer?.accountValue ? { ...customer.accountValue, tier: customer.tier } : null,
    // Voice biometrics and PIN verification are not wired into the IVR yet: say so plainly.
    verification: { status: 'skipped' },
    sentiment: deps.summarize(scores),
    lastInteraction: history[0] ?? null,
    history: history.slice(0, HISTORY_SHOWN),
    ivr: { path: session.path ?? [], intent: call.intent, inputs: session.inputs ?? {} },
    complete: complete && (call.customerId === null || customer !== undefined),
  };
}
