import { LRUCache } from 'lru-cache';
import { RECENT_INTERACTIONS, type CustomerRepo, type RecentInteraction } from '../crm/customer-repo.js';
import type { LookupResult } from '../crm/lookup.js';
import type { Customer } from '../crm/schemas.js';
import type { Db } from '../db/client.js';

export interface PopContext {
  call: { provider: string; from: string };
  customer?: Customer;
  /** Newest first, excluding the call being popped. */
  history: Array<Omit<RecentInteraction, 'status'>>;
}

export interface PopContextCache {
  /** Keeps what the caller lookup found as the call enters the IVR (reading the timeline if it did not come with it). */
  prefetch(call: { id: string; provider: string; from: string }, caller: LookupResult): void;
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
      take: RECENT_INTERACTIONS,
      select: { channel: true, type: true, at: true, summary: true, sentimentLabel: true, sentimentScore: true, callId: true },
    });
  }

  async function prefetched(call: PopContext['call'], callId: string, caller: LookupResult): Promise<PopContext> {
    if (caller.status !== 'found') return { call, history: [] };
    return { call, customer: caller.customer, history: caller.recent ?? (await history(callId, caller.customer.id)) };
  }

  async function load(callId: string): Promise<PopContext> {
    const row = await deps.db.call.findUniqueOrThrow({ where: { id: callId }, select: { provider: true, fromE164: true, fromRaw: true, customerId: true } });
    const call = { provider: row.provider, from: row.fromE164 ?? row.fromRaw };
    if (!row.customerId) return { call, history: [] };
    const [customer, rows] = await Promise.all([deps.customers.get(row.customerId), history(callId, row.customerId)]);
    return { call, customer, history: rows };
  }

  return {
    prefetch(call, caller) {
      const value = prefetched({ provider: call.provider, from: call.from }, call.id, caller);
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
