import type { LookupResult } from '../crm/lookup.js';
import type { Logger } from '../logger.js';
import type { Step } from '../ivr/types.js';
import type { RoutingService } from '../routing/routing-service.js';
import { requirementsAt, type Decision, type RoutingContextInput } from '../routing/rules/index.js';

export interface HandoffDeps {
  routing?: RoutingService;
  logger: Logger;
}

export interface PlannedHandoff {
  step: Step;
  decision?: Decision;
  context?: RoutingContextInput;
}

/**
 * The IVR named a queue; the routing rules have the last word on where the call waits.
 * Routing trouble never blocks the call: it then waits in the queue the IVR named.
 */
export async function planHandoff(deps: HandoffDeps, input: { step: Step; lookup: LookupResult; from: string }): Promise<PlannedHandoff> {
  const { step } = input;
  if (step.outcome?.type !== 'queue' || !deps.routing) return { step };
  const customer = input.lookup.status === 'found' ? input.lookup.customer : undefined;
  const context: RoutingContextInput = {
    call: { from: input.from, language: step.session.language, queue: step.outcome.queue, waitSeconds: 0 },
    customer: customer
      ? {
          known: true,
          tier: customer.tier,
          accountValue: customer.accountValue?.amount ?? 0,
          openComplaints: input.lookup.status === 'found' && input.lookup.openComplaint ? 1 : 0,
        }
      : { known: false },
    ivr: { path: step.session.path, intent: step.session.intent ?? '', inputs: step.session.inputs },
  };
  try {
    const decision = await deps.routing.route(context, { customerId: customer?.id });
    const queue = requirementsAt(decision, 0).queue;
    const actions = step.actions.map((a) => (a.type === 'enqueue' ? { ...a, queue } : a));
    // The verdict travels with the call in the entry's context: the pop is built from it.
    const saved = step.session.verification ? { ...context, verification: step.session.verification } : context;
    return { step: { ...step, actions, outcome: { type: 'queue', queue } }, decision, context: saved };
  } catch (err) {
    deps.logger.error({ err }, 'routing decision failed: call waits in the IVR queue');
    return { step };
  }
}

/** Puts the call in line once its record exists. */
export async function commitHandoff(
  deps: HandoffDeps,
  plan: PlannedHandoff,
  call: { id: string; customerId: string | null; language: string },
): Promise<void> {
  if (!deps.routing || !plan.decision || !plan.context) return;
  try {
    await deps.routing.enqueue({ callId: call.id, customerId: call.customerId, language: call.language, decision: plan.decision, context: plan.context });
  } catch (err) {
    deps.logger.error({ err, callId: call.id }, 'enqueue failed');
  }
}
