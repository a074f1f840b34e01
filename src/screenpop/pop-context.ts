import { LRUCache } from 'lru-cache';
import type { CustomerRepo } from '../crm/customer-repo.js';
import type { Customer } from '../crm/schemas.js';
import type { Db } from '../db/client.js';

export interface PopContext {
  call: { provider: string; from: string };
  customer?: Customer;
  /** Newest first, excluding the call being popped. */
  history: Array<{ channel: string; type: string; at: Date; summary: string; sentimentLabel: string | null; sentimentScore: number | null; callId: string | null }>;
}

const HISTORY = 10;

export interface PopContextCache {
  /** Starts the timeline read for a call as it enters the IVR; the CRM record comes from the caller lookup. */
  prefetch(call: { id: string; provider: string; from: string }, customer: Customer | null): void;
  /** The prefetched context, or a fresh read if this node did not see the call start. */
  get(callId: string): Promise<PopContext>;
}

/**
 * The reads a pop needs, started when the call arrives so that nothing waits on them
 * when an agent is offered the call. Per node and bounded; a miss just reads again.
 */
export function createPopContextCache(deps: { db: Db; customers: CustomerRepo; ttlMs?: number; max?: number }): PopContextCache {
  const entries = new LRUCache<string, Promise<PopContext>>({ max: deps.max ?? 10_000, ttl: deps.ttlMs ?? 15 * 60_000 });

  async function history(callId: string, customerId: string) {
    return deps.db.interaction.findMany({
      where: { customerId, OR: [{ callId: null }, { callId: { not: callId } }] },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: HISTORY,
      select: { channel: true, type: true, at: true, summary: true, sentimentLabel: true, sentimentScore: true, callId: true },
    });
  }

  async function prefetched(call: PopContext['call'], callId: string, customer: Customer | null): Promise<PopContext> {
    return customer ? { call, customer, history: await history(callId, customer.id) } : { call, history: [] };
  }

  async function load(callId: string): Promise<PopContext> {
    const row = await deps.db.call.findUniqueOrThrow({ where: { id: callId }, select: { provider: true, fromE164: true, fromRaw: true, customerId: true } });
    const call = { provider: row.provider, from: row.fromE164 ?? row.fromRaw };
    if (!row.customerId) return { call, history: [] };
    const [customer, rows] = await Promise.all([deps.customers.get(row.customerId), history(callId, row.customerId)]);
    return { call, customer, history: rows };
  }

  return {
    prefetch(call, customer) {
      const value = prefetched({ provider: call.provider, from: call.from }, call.id, customer);
      value.catch(() => entries.delete(call.id));
      entries.set(call.id, value);
    },
    async get(callId) {
      const hit = entries.get(callId);
      if (hit) {
        try {
          return await hit;
        } catch {
          // fall through to a fresh read
        }
      }
      return load(callId);
    },
  };
}
