import { normalizePhone } from '../crm/phone.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { RoutingContextInput } from '../routing/rules/index.js';
import type { CallRepo } from './call-repo.js';
import { FALLBACK_QUEUE } from './fallback.js';
import type { Provider } from './types.js';

/** A caller who heard the fallback, as kept until the store takes it. */
export interface FallbackHeard {
  provider: Provider;
  providerCallId: string;
  /** The number as the provider gave it ('' when the webhook did not carry it). */
  from: string;
  to: string | null;
  /** The step whose answer was the fallback: 0 for the call's start. */
  seq: number;
  /** Always null today: without the store a menu choice cannot be told from a PIN. */
  input: string | null;
  at: string;
}

/**
 * Records that the caller was sent to the fallback queue, and puts them in line for an
 * agent — unless the call has ended, or its end is among the writes still to apply
 * (`endPending`): a caller who hung up is never offered.
 */
export async function applyFallback(
  deps: { calls: CallRepo; flows: FlowStore; flowName: string; routing?: RoutingService },
  heard: FallbackHeard,
  opts: { endPending: boolean },
): Promise<void> {
  const active = await deps.flows.active(deps.flowName);
  const call = await deps.calls.recordFallback({
    provider: heard.provider,
    providerCallId: heard.providerCallId,
    fromRaw: heard.from,
    fromE164: normalizePhone(heard.from) ?? null,
    to: heard.to,
    seq: heard.seq,
    input: heard.input,
    at: new Date(heard.at),
    flowName: active?.name ?? deps.flowName,
    flowVersion: active?.version ?? 0,
  });
  if (call.status === 'completed' || opts.endPending || !deps.routing) return;
  const context: RoutingContextInput = {
    call: { from: call.fromE164 ?? heard.from, language: call.language, queue: FALLBACK_QUEUE, waitSeconds: 0 },
    customer: { known: call.customerId !== null },
    ivr: { path: call.session.path, intent: call.intent ?? '', inputs: call.session.inputs },
  };
  const decision = await deps.routing.route(context, { customerId: call.customerId ?? undefined });
  await deps.routing.enqueue({ callId: call.id, customerId: call.customerId, language: call.language, decision, context });
}
