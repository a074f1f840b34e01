import type { CallRepo } from './call-repo.js';
import type { CallRecord, Provider } from './types.js';

/** The provider says the call is over: record how it ended, once. */
export async function endCall(
  deps: { calls: CallRepo; now: () => Date },
  input: { provider: Provider; providerCallId: string; endStatus: string; durationSeconds: number | null },
): Promise<CallRecord | undefined> {
  return deps.calls.complete(input.provider, input.providerCallId, {
    endStatus: input.endStatus,
    durationSeconds: input.durationSeconds,
    endedAt: deps.now(),
  });
}
