import { currentRequirements } from './entry-requirements.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import type { RuleStore } from './rule-store.js';

/** Rough time an agent takes per caller ahead, for the hold announcement. */
const SECONDS_PER_CALLER_AHEAD = 45;

/** Where a waiting caller stands (for the hold announcements), and whether their step offers a callback. */
export async function queueStatus(
  deps: { rules: RuleStore; queues: Pick<QueueStore, 'entryByCall' | 'updateStep' | 'position'>; now: () => Date },
  callId: string,
): Promise<{ entry: QueueEntryRecord; position: number; estimatedWaitSeconds: number; offerCallback: boolean } | undefined> {
  const entry = await deps.queues.entryByCall(callId);
  if (!entry || entry.status === 'done') return undefined;
  const { entry: current, req } = await currentRequirements(deps, entry, deps.now());
  const position = await deps.queues.position(current);
  return { entry: current, position, estimatedWaitSeconds: position * SECONDS_PER_CALLER_AHEAD, offerCallback: req.offerCallback };
}
