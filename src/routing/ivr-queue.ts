import type { Decision, RoutingContext } from './rules/index.js';

/**
 * When no rule claims a call, it waits in the queue the caller chose in the IVR; the
 * default target's queue is for calls that arrive without one. Rules exist to override
 * the menu (VIPs, complaints, crises), not to restate it.
 */
export function withIvrQueue(decision: Decision, ctx: RoutingContext): Decision {
  if (decision.rule !== 'default' || !ctx.call.queue) return decision;
  return { ...decision, queue: ctx.call.queue };
}
