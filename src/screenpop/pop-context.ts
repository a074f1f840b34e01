import { LRUCache } from 'lru-cache';
import type { CustomerRepo, RecentInteraction } from '../crm/customer-repo.js';
import type { LookupResult } from '../crm/lookup.js';
import type { Customer } from '../crm/schemas.js';
import type { ExperienceView } from '../analytics/experience/experience-service.js';
import type { PopContextRepo } from './pop-context-repo.js';

export interface PopContext {
  call: { provider: string; providerCallId: string; from: string };
  customer?: Customer;
  /** Newest first, excluding the call being popped. */
  history: Array<Omit<RecentInteraction, 'status'>>;
  /** The customer's experience score with its parts; absent when it could not be read. */
  experience?: ExperienceView;
}

export interface PopContextCache {
  /** Keeps what the caller lookup found as the call enters the IVR (reading the timeline if it did not come with it). */
  prefetch(call: { id: string; provider: string; providerCallId: string; from: string }, caller: LookupResult): void;
  /** The prefetched context, or a fresh read if this node did not see the call start. */
  get(callId: string): Promise<PopContext>;
  /** Drops what this node keeps of the customer and of these calls (an erasure). */
  forget(customerId: string, callIds: readonly string[]): void;
}

/**
 * The reads a pop needs, started when the call arrives so that nothing waits on them
 * when an agent is offered the call. Per node and bounded; a miss just reads again.
 */
export function createPopContextCache(deps: {
  reads: PopContextRepo;
  customers: CustomerRepo;
  experience?: { current(customerId: string, opts?: { noHistory?: boolean; stored?: ExperienceView | null }): Promise<ExperienceView> };
  ttlMs?: number;
  max?: number;
}): PopContextCache {
  const entries = new LRUCache<string, Promise<PopContext>>({ max: deps.max ?? 10_000, ttl: deps.ttlMs ?? 15 * 60_000 });
  // Whose each prefetched context is, so an erasure can find them without awaiting every entry.
  const customerOf = new LRUCache<string, string>({ max: deps.max ?? 10_000, ttl: deps.ttlMs ?? 15 * 60_000 });
  const history = (callId: string, customerId: string) => deps.reads.history(customerId, callId);
  // A score that cannot be read leaves it out of the pop; the rest of the pop stands.
  const experience = async (customerId: string, opts?: { noHistory?: boolean; stored?: ExperienceView | null }) => deps.experience?.current(customerId, opts).catch(() => undefined);

  async function prefetched(call: PopContext['call'], callId: string, caller: LookupResult): Promise<PopContext> {
    if (caller.status !== 'found') return { call, history: [] };
    // The lookup's own read usually brought the history and the stored score: then nothing is read here.
    const [rows, score] = await Promise.all([
      caller.recent ?? history(callId, caller.customer.id),
      experience(caller.customer.id, { noHistory: caller.recent?.length === 0, stored: caller.experience }),
    ]);
    return { call, customer: caller.customer, history: rows, ...(score ? { experience: score } : {}) };
  }

  async function load(callId: string): Promise<PopContext> {
    const row = await deps.reads.call(callId);
    const call = { provider: row.provider, providerCallId: row.providerCallId, from: row.from };
    if (!row.customerId) return { call, history: [] };
    const [customer, rows, score] = await Promise.all([deps.customers.get(row.customerId), history(callId, row.customerId), experience(row.customerId)]);
    return { call, customer, history: rows, ...(score ? { experience: score } : {}) };
  }

  return {
    prefetch(call, caller) {
      const value = prefetched({ provider: call.provider, providerCallId: call.providerCallId, from: call.from }, call.id, caller);
      value.catch(() => entries.delete(call.id));
      entries.set(call.id, value);
      if (caller.status === 'found') customerOf.set(call.id, caller.customer.id);
    },
    forget(customerId, callIds) {
      for (const id of callIds) entries.delete(id);
      for (const [callId, owner] of customerOf.entries()) {
        if (owner !== customerId) continue;
        entries.delete(callId);
        customerOf.delete(callId);
      }
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
