import { normalizePhone } from '../crm/phone.js';
import type { CallRepo } from './call-repo.js';
import type { CallRecord, Provider } from './types.js';

/**
 * The provider says the call is over: record how it ended, once. An end that arrives before
 * the call's start (providers do not order their webhooks) is kept as the call's row.
 */
export async function endCall(
  deps: { calls: CallRepo },
  input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null; endedAt: Date; from: string; to: string | null },
): Promise<CallRecord | undefined> {
  return deps.calls.complete(
    input.provider,
    input.providerCallId,
    { endStatus: input.endStatus, durationSeconds: input.durationSeconds, endedAt: input.endedAt },
    { fromRaw: input.from, fromE164: normalizePhone(input.from) ?? null, to: input.to },
  );
}
