import type { QueueStore } from './queue-store.js';
import type { RuleStore } from './rule-store.js';
import { decide, fillContextDefaults, type Decision, type RoutingContextInput } from './rules/index.js';
import { withIvrQueue } from './ivr-queue.js';

/** The customer's stored experience score; without one (or when it cannot be read) rules see the neutral default and the call still routes. */
async function readExperience(deps: { experienceScore?: (customerId: string) => Promise<number | undefined> }, customerId: string): Promise<number | undefined> {
  try {
    return await deps.experienceScore?.(customerId);
  } catch {
    return undefined;
  }
}

/** The decision for a call leaving the IVR, from the compiled active rules (and, when a rule asks for it, the customer's last agent). */
export async function routeCall(
  deps: { rules: RuleStore; queues: Pick<QueueStore, 'lastAgent'>; now: () => Date; experienceScore?: (customerId: string) => Promise<number | undefined> },
  ctx: RoutingContextInput,
  opts: { customerId?: string; now?: Date } = {},
): Promise<Decision> {
  const filled = fillContextDefaults(ctx);
  const now = opts.now ?? deps.now();
  const active = await deps.rules.active();
  const [last, experience] = await Promise.all([
    opts.customerId && active.usesLastAgent ? deps.queues.lastAgent(opts.customerId) : undefined,
    // Read only for rules that name it, and only when the caller's context does not carry it.
    opts.customerId && active.usesExperienceScore && typeof ctx.customer?.experienceScore !== 'number' ? readExperience(deps, opts.customerId) : undefined,
  ]);
  if (last) filled.customer.lastAgentId = last.agentId;
  if (experience !== undefined) filled.customer.experienceScore = Math.min(100, Math.max(0, experience));
  const decision = withIvrQueue(decide(active, filled, now), filled);
  // The rule's time limit is checked here, once: a decision names a last agent only if
  // the customer spoke to them recently enough, so dispatch needs no lookup of its own.
  const limit = decision.preferLastAgent && decision.preferLastAgent.withinHours * 3600_000;
  if (limit && last && now.getTime() - last.at.getTime() > limit) {
    const { preferLastAgent: _tooOld, ...rest } = decision;
    return rest;
  }
  return decision;
}
