import { withDeadline } from '../db/store-errors.js';
import type { Logger } from '../logger.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import type { CallerMatch, CustomerRepo } from './customer-repo.js';

export type LookupResult =
  | ({ status: 'found' } & CallerMatch)
  | { status: 'unknown' }
  /** The store was slow or down: the call goes on as if unknown, and the pop says so. */
  | { status: 'degraded'; reason: string };

export interface CallerLookup {
  lookup(e164: string | undefined): Promise<LookupResult>;
}

/**
 * Finds the caller, and whether their last interaction is an open complaint, within a
 * time budget. A caller is never kept waiting on the CRM: past the budget the IVR goes
 * on and treats the caller as unknown.
 */
export function createCallerLookup(opts: {
  customers: CustomerRepo;
  interactions: InteractionRepo;
  budgetMs: number;
  logger: Logger;
}): CallerLookup {
  /** One query when the CRM can answer both questions at once, else customer then timeline. */
  async function findCaller(e164: string): Promise<CallerMatch | undefined> {
    if (opts.customers.findCaller) return opts.customers.findCaller(e164);
    const customer = await opts.customers.findByPhone(e164);
    if (!customer) return undefined;
    const last = await opts.interactions.latest(customer.id);
    return { customer, openComplaint: last?.type === 'complaint' && last.status !== 'resolved' };
  }

  return {
    async lookup(e164) {
      if (!e164) return { status: 'unknown' };
      try {
        // A timer race, not cockatiel's timeout: the lookup takes no signal, and cockatiel
        // aborted its controller after every lookup, a DOMException with a stack trace per call.
        const match = await withDeadline(findCaller(e164), opts.budgetMs, 'crm lookup');
        return match ? { status: 'found', ...match } : { status: 'unknown' };
      } catch (err) {
        const reason = err instanceof Error ? err.name : 'error';
        opts.logger.warn({ reason, budgetMs: opts.budgetMs }, 'crm lookup degraded');
        return { status: 'degraded', reason };
      }
    },
  };
}
