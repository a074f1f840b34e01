import { RECENT_INTERACTIONS, type RecentInteraction } from '../crm/customer-repo.js';
import type { Db } from '../db/client.js';

/** What a pop needs to read when the caller lookup's results are not at hand (read-only). */
export interface PopContextRepo {
  /** The call's provider, number and customer. */
  call(callId: string): Promise<{ provider: string; providerCallId: string; from: string; customerId: string | null }>;
  /** The customer's newest interactions, newest first, leaving out the call being popped. */
  history(customerId: string, exceptCallId: string): Promise<Array<Omit<RecentInteraction, 'status'>>>;
}

export function createPopContextRepo(db: Db): PopContextRepo {
  return {
    async call(callId) {
      const row = await db.call.findUniqueOrThrow({ where: { id: callId }, select: { provider: true, providerCallId: true, fromE164: true, fromRaw: true, customerId: true } });
      return { provider: row.provider, providerCallId: row.providerCallId, from: row.fromE164 ?? row.fromRaw, customerId: row.customerId };
    },
    async history(customerId, exceptCallId) {
      return db.interaction.findMany({
        where: { customerId, OR: [{ callId: null }, { callId: { not: exceptCallId } }] },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: RECENT_INTERACTIONS,
        select: { channel: true, type: true, at: true, summary: true, sentimentLabel: true, sentimentScore: true, callId: true },
      });
    },
  };
}
