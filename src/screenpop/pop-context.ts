import type { CustomerRepo } from '../crm/customer-repo.js';
import type { Customer } from '../crm/schemas.js';
import type { Db } from '../db/client.js';

export interface PopContext {
  customer?: Customer;
  /** Newest first, excluding the call being popped. */
  history: Array<{ channel: string; type: string; at: Date; summary: string; sentimentLabel: string | null; sentimentScore: number | null; callId: string | null }>;
}

const HISTORY = 10;

export interface PopContextCache {
  /** Starts the timeline read for a call as it enters the IVR; the CRM record comes from the caller lookup. */
  prefetch(callId: string, customer: Customer | null): void;
  /** The prefetched context, or a fresh read if this node did not see the call start. */
  get(callId: string, customerId: string | null): Promise<PopContext>;
}

/**
 * The reads a pop needs, started when the call arrives so that nothing waits on them
 * when an agent is offered the call. Per node and bounded; a miss just reads again.
 */
export function createPopContextCache(deps: { db: Db; customers: CustomerRepo; ttlMs?: number; max?: number; now?: () => number }): PopContextCache {
  const ttlMs = deps.ttlMs ?? 15 * 60_000;
  const max = deps.max ?? 10_000;
  const now = deps.now ?? Date.now;
  const entries = new Map<string, { at: number; value: Promise<PopContext> }>();

  async function load(callId: string, customerId: string | null, known?: Customer): Promise<PopContext> {
    if (!customerId) return { history: [] };
    const [customer, rows] = await Promise.all([
      known ?? deps.customers.get(customerId),
      deps.db.interaction.findMany({
        where: { customerId, OR: [{ callId: null }, { callId: { not: callId } }] },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: HISTORY,
        select: { channel: true, type: true, at: true, summary: true, sentimentLabel: true, sentimentScore: true, callId: true },
      }),
    ]);
    return { customer, history: rows };
  }

  return {
    prefetch(callId, customer) {
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      const value = load(callId, customer?.id ?? null, customer ?? undefined);
      value.catch(() => entries.delete(callId));
      entries.set(callId, { at: now(), value });
    },
    async get(callId, customerId) {
      const hit = entries.get(callId);
      if (hit && now() - hit.at < ttlMs) {
        try {
          return await hit.value;
        } catch {
          // fall through to a fresh read
        }
      }
      return load(callId, customerId);
    },
  };
}
