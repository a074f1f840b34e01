import { z } from 'zod';
import type { Alert } from './alerts.js';

/**
 * On the bus: an alert for supervisors from another module (voice biometrics publishes
 * `{ type: 'fraud_suspected', at, callId, queue?, reason }`). Every node's supervisor view
 * hears it and tells its own sockets; the cause (call, customer or `key`) makes it one alert.
 */
export const SUPERVISOR_ALERT_CHANNEL = 'supervisor.alert';

const ZId = z.string().trim().min(1).max(128);
const ZPublishedAlert = z.object({
  type: z.enum(['fraud_suspected', 'negative_sentiment', 'long_wait', 'crisis_waiting', 'service_level']),
  at: z.iso.datetime({ offset: true }),
  callId: ZId.optional(),
  queue: z.string().max(64).optional(),
  customerId: ZId.optional(),
  reason: z.string().max(300).optional(),
  /** What makes two messages the same cause when neither a call nor a customer does. */
  key: ZId.optional(),
});
export type PublishedAlert = z.input<typeof ZPublishedAlert>;

/** A bus message as an alert; undefined when it is not one we understand (logged by the caller, never thrown). */
export function alertFromBus(message: unknown): Alert | undefined {
  const parsed = ZPublishedAlert.safeParse(message);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  const cause = m.callId ?? m.customerId ?? m.key ?? m.queue;
  if (cause === undefined) return undefined;
  return {
    id: `${m.type}:${cause}`,
    kind: m.type,
    at: new Date(m.at).toISOString(),
    ...(m.callId ? { callId: m.callId } : {}),
    ...(m.queue ? { queue: m.queue } : {}),
    ...(m.customerId ? { customerId: m.customerId } : {}),
    ...(m.reason ? { reason: m.reason } : {}),
  };
}
