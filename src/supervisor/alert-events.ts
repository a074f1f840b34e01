import { z } from 'zod';
import { ALERT_KINDS, type Alert } from './alerts.js';

/**
 * On the bus: an alert for supervisors from another module (voice biometrics publishes
 * `{ type: 'fraud_suspected', at, callId, queue?, reason }`, post-call surveys `survey_follow_up`
 * with the follow-up's id, the agent and the scores). Every node's supervisor view
 * hears it and tells its own sockets; the cause (call, customer or `key`) makes it one alert.
 */
export const SUPERVISOR_ALERT_CHANNEL = 'supervisor.alert';

const ZId = z.string().trim().min(1).max(128);
const ZPublishedAlert = z.object({
  type: z.enum(ALERT_KINDS),
  at: z.iso.datetime({ offset: true }),
  callId: ZId.optional(),
  queue: z.string().max(64).optional(),
  customerId: ZId.optional(),
  reason: z.string().max(300).optional(),
  /** What makes two messages the same cause when neither a call nor a customer does. */
  key: ZId.optional(),
  // survey_follow_up (src/analytics/surveys/survey-recorder.ts): the follow-up is its cause.
  followUpId: ZId.optional(),
  agentId: ZId.optional(),
  csat: z.number().int().min(1).max(5).nullable().optional(),
  nps: z.number().int().min(0).max(10).nullable().optional(),
});
export type PublishedAlert = z.input<typeof ZPublishedAlert>;

/** A bus message as an alert; undefined when it is not one we understand (logged by the caller, never thrown). */
export function alertFromBus(message: unknown): Alert | undefined {
  const parsed = ZPublishedAlert.safeParse(message);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  const cause = m.followUpId ?? m.callId ?? m.customerId ?? m.key ?? m.queue;
  if (cause === undefined) return undefined;
  return {
    id: `${m.type}:${cause}`,
    kind: m.type,
    at: new Date(m.at).toISOString(),
    ...(m.callId ? { callId: m.callId } : {}),
    ...(m.queue ? { queue: m.queue } : {}),
    ...(m.customerId ? { customerId: m.customerId } : {}),
    ...(m.reason ? { reason: m.reason } : {}),
    ...(m.followUpId ? { followUpId: m.followUpId } : {}),
    ...(m.agentId ? { agentId: m.agentId } : {}),
    ...(m.csat !== undefined ? { csat: m.csat } : {}),
    ...(m.nps !== undefined ? { nps: m.nps } : {}),
  };
}
