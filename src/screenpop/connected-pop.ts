import type { CallEventStore } from '../calls/call-events.js';
import type { CallRecord } from '../calls/types.js';
import type { Logger } from '../logger.js';
import type { AgentHub } from '../realtime/agent-hub.js';
import type { ConnectedPopStore } from './connected-pop-store.js';
import type { PopContext, PopContextCache } from './pop-context.js';
import type { HistoryItem, ScreenPop, SentimentSummarizer } from './types.js';
import { popVerification } from './verification.js';

const HISTORY_SHOWN = 5;

/**
 * The pop of a call the provider routed itself (Amazon Connect): no offer and no reservation
 * of ours, so those parts are null; the agent already has the call when it arrives.
 */
export type ConnectedPop = Omit<ScreenPop, 'call' | 'reservation'> & {
  call: Omit<ScreenPop['call'], 'reservationId'> & { reservationId: null; connectedAt: string };
  reservation: null;
};

export interface ConnectedPops {
  /** Pops the call on the agent's softphone once (a repeat sends nothing); false when it was sent before. */
  send(input: { agentId: string; call: CallRecord; connectedAt: Date; enqueuedAt: Date | null }): Promise<boolean>;
}

/** The verdict the provider-run IVR reached (its verify and PIN steps) and its risk flags, never how. */
function verificationOf(events: Array<{ key: string; data: Record<string, string> }>): ScreenPop['verification'] {
  const final = ['verified', 'failed', 'locked', 'not_enrolled'];
  const steps = events.filter((e) => e.key === 'flow:verify' || e.key.startsWith('flow:pin:'));
  const decided = [...steps].reverse().find((e) => final.includes(e.data.verification ?? ''));
  const last = decided ?? steps[steps.length - 1];
  const d = last?.data ?? {};
  const status = final.includes(d.verification ?? '') ? d.verification : 'skipped';
  const score = d.score !== undefined ? Number(d.score) : undefined;
  // The same reading (and shape) as a Twilio call's pop.
  return popVerification({
    verification: {
      status,
      ...(status !== 'skipped' && (d.method === 'voice' || d.method === 'pin') ? { method: d.method } : {}),
      ...(score !== undefined && Number.isFinite(score) ? { score } : {}),
      risk: { watchlist: d.watchlist === 'true', spoofSuspected: d.spoofSuspected === 'true' },
    },
  });
}

/**
 * What the caller did in the provider's flow, from the steps it asked us (in the order they
 * happened): verified, keyed a PIN, chose a menu (or was routed), took a callback; and the
 * intent the flow named. Inputs stay empty: the flow's own attributes may hold anything.
 */
function ivrOf(events: Array<{ key: string; data: Record<string, string> }>, call: CallRecord): ConnectedPop['ivr'] {
  const path: string[] = [];
  let intent = call.intent;
  for (const e of events) {
    let step: string | undefined;
    if (e.key === 'flow:verify') step = 'verify';
    else if (e.key.startsWith('flow:pin:')) step = 'pin';
    else if (e.key === 'flow:callback') step = 'callback';
    else if (e.key === 'flow:route') {
      step = e.data.menu || e.data.queue || 'route';
      intent = e.data.intent || intent;
    }
    if (step && path[path.length - 1] !== step) path.push(step);
  }
  return { path: call.session.path.length ? call.session.path : path, intent, inputs: {} };
}

export function buildConnectedPop(input: { call: CallRecord; connectedAt: Date; enqueuedAt: Date | null }, context: PopContext | undefined, events: Array<{ key: string; data: Record<string, string> }>, summarize: SentimentSummarizer): ConnectedPop {
  const { call } = input;
  const customer = context?.customer;
  const items = context?.history ?? [];
  const history: HistoryItem[] = items.map((h) => ({ channel: h.channel, type: h.type, at: h.at.toISOString(), summary: h.summary, sentiment: h.sentimentLabel }));
  const scores = items.flatMap((h) => (h.sentimentScore === null ? [] : [h.sentimentScore]));
  const waitedFrom = input.enqueuedAt ?? call.startedAt;
  // The customer's experience score, when the pop's context carries one (typed loosely: it is being added to the pop as this is written).
  const experience = { experience: (context as { experience?: unknown } | undefined)?.experience ?? null } as unknown as Pick<ConnectedPop, keyof ConnectedPop & 'experience'>;
  return {
    call: {
      id: call.id,
      provider: call.provider,
      providerCallId: call.providerCallId,
      from: context?.call.from ?? call.fromE164 ?? '',
      language: call.language,
      queue: call.queue ?? '',
      waitSeconds: Math.max(0, Math.round((input.connectedAt.getTime() - waitedFrom.getTime()) / 1000)),
      reservationId: null,
      connectedAt: input.connectedAt.toISOString(),
    },
    reservation: null,
    customer: customer
      ? { id: customer.id, name: customer.name, tier: customer.tier, known: true, language: customer.language }
      : { id: null, name: null, tier: null, known: false },
    accountValue: customer?.accountValue ? { ...customer.accountValue, tier: customer.tier } : null,
    verification: verificationOf(events),
    ...experience,
    sentiment: summarize(scores),
    lastInteraction: history[0] ?? null,
    history: history.slice(0, HISTORY_SHOWN),
    ivr: ivrOf(events, call),
    complete: context !== undefined && (call.customerId === null || customer !== undefined),
  };
}

/**
 * Connected call -> pop on the agent's sockets, through the pop pipeline's own parts: the
 * context read while the caller was in the provider's IVR (prefetched on this node, else read
 * from our store — never the CRM), the durable message, the hub.
 */
export function createConnectedPops(deps: {
  store: ConnectedPopStore;
  context: Pick<PopContextCache, 'get'>;
  callEvents: Pick<CallEventStore, 'list'>;
  hub: Pick<AgentHub, 'deliver'>;
  summarize: SentimentSummarizer;
  now: () => Date;
  logger: Logger;
  /** A pop shows the customer to the agent: the access log notes it. */
  onCustomerShown?: (customerId: string, agentId: string) => void;
}): ConnectedPops {
  return {
    async send(input) {
      const [context, events] = await Promise.all([
        deps.context.get(input.call.id).catch((err: unknown) => {
          deps.logger.warn({ err, callId: input.call.id }, 'screen pop context unavailable: pop sent incomplete');
          return undefined;
        }),
        deps.callEvents.list(input.call.id, 'flow:'),
      ]);
      const pop = buildConnectedPop(input, context, events, deps.summarize);
      const message = await deps.store.store({ agentId: input.agentId, callId: input.call.id, payload: pop as unknown as Record<string, unknown>, at: deps.now() });
      if (!message) return false;
      if (context?.customer) deps.onCustomerShown?.(context.customer.id, input.agentId);
      await deps.hub.deliver(input.agentId, message);
      return true;
    },
  };
}
