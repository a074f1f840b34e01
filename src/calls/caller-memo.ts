import { LRUCache } from 'lru-cache';
import type { LookupResult } from '../crm/lookup.js';

/**
 * Who is calling, kept in this node's memory for the length of a call, so each IVR step
 * does not look the caller up again. Never stored in the call's session: a name there
 * would end up in places that must not hold PII. A miss (another node took the step, or
 * the first lookup degraded) just looks the caller up again.
 */
export interface CallerMemo {
  get(callId: string): LookupResult | undefined;
  remember(callId: string, lookup: LookupResult): void;
  /** Drops what this node remembers of the customer and of these calls (an erasure). */
  forget(customerId: string, callIds: readonly string[]): void;
}

export function createCallerMemo(opts: { max?: number; ttlMs?: number } = {}): CallerMemo {
  const cache = new LRUCache<string, LookupResult>({ max: opts.max ?? 20_000, ttl: opts.ttlMs ?? 30 * 60_000 });
  return {
    get: (callId) => cache.get(callId),
    remember(callId, lookup) {
      // A degraded answer is not an answer: the next step tries the CRM again.
      if (lookup.status !== 'degraded') cache.set(callId, lookup);
    },
    forget(customerId, callIds) {
      for (const id of callIds) cache.delete(id);
      for (const [callId, lookup] of cache.entries()) if (lookup.status === 'found' && lookup.customer.id === customerId) cache.delete(callId);
    },
  };
}
