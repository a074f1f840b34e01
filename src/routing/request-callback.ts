import type { QueueEntryRecord, QueueStore } from './queue-store.js';

/** The caller left a number: they keep their place in line, as a callback to that number. Undefined when they are no longer waiting. */
export async function requestCallback(deps: { queues: Pick<QueueStore, 'toCallback'> }, callId: string, number: string): Promise<QueueEntryRecord | undefined> {
  return deps.queues.toCallback(callId, number);
}
