import type { Principal } from '../auth/tokens.js';
import type { AlertPolicy } from './alerts.js';

/**
 * The first message a supervisor page gets, on the socket or from a poll: who they are, the
 * server's clock (the page counts waits on it), the business time zone (the page shows times
 * of day on it, as the KPIs count days and hours) and what each alert's threshold is.
 */
export function supervisorHello(principal: Principal, opts: { now: Date; timeZone: string; policy: AlertPolicy }) {
  return { type: 'hello', user: { id: principal.sub, role: principal.role }, serverTime: opts.now.toISOString(), timeZone: opts.timeZone, policy: opts.policy } as const;
}
