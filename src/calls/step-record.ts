import type { Step } from '../ivr/types.js';
import type { CallStepRecord } from './types.js';

/** The stored form of one IVR step; sensitive inputs arrive here already masked by the engine. */
export function toStepRecord(seq: number, nodeId: string, step: Step): CallStepRecord {
  const first = step.events[0];
  return {
    seq,
    nodeId,
    input: first?.input ?? null,
    result: first?.result ?? 'entered',
    events: step.events,
    actions: step.actions,
  };
}
