import type { EventBus } from '../realtime/event-bus.js';
import { QUEUE_CHANNEL, type QueueChange } from './queue-events.js';
import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import { requirementsAt, type Decision, type RoutingContextInput } from './rules/index.js';

/** Puts the call in line (idempotent per call) and tries to offer it at once; undefined when the call has ended. */
export async function enqueueCall(
  deps: { queues: Pick<QueueStore, 'enqueue'>; now: () => Date; dispatch: () => Promise<void>; bus?: Pick<EventBus, 'publish'> },
  input: { callId: string; customerId: string | null; language: string; decision: Decision; context: RoutingContextInput },
): Promise<QueueEntryRecord | undefined> {
  const req = requirementsAt(input.decision, 0);
  const entry = await deps.queues.enqueue({
    callId: input.callId,
    customerId: input.customerId,
    language: input.language,
    queue: req.queue,
    priority: req.priority,
    enqueuedAt: deps.now(),
    ruleVersion: input.decision.version,
    rule: input.decision.rule,
    decision: input.decision,
    context: input.context,
  });
  if (entry) {
    void deps.bus?.publish(QUEUE_CHANNEL, { callId: entry.callId, queue: entry.queue, change: 'joined' } satisfies QueueChange);
    void deps.dispatch();
  }
  return entry;
}
