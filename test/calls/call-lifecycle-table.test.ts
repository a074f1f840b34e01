import { describe, expect, it } from 'vitest';
import { CALL_TRANSITIONS, moveCall, statusesLeadingTo, type CallStatus } from '../../src/calls/call-lifecycle.js';

const ALL = Object.keys(CALL_TRANSITIONS) as CallStatus[];

describe('the call lifecycle', () => {
  it('only moves forward: an ended call stays ended, a queued call can only end', () => {
    for (const wanted of ALL) expect(moveCall('completed', wanted)).toBe('completed');
    expect(moveCall('queued', 'in_ivr')).toBe('queued');
    expect(moveCall('queued', 'ivr_hangup')).toBe('queued');
    expect(moveCall('queued', 'completed')).toBe('completed');
    expect(moveCall('ivr_hangup', 'queued')).toBe('ivr_hangup');
    expect(moveCall('in_ivr', 'queued')).toBe('queued');
    expect(moveCall('in_ivr', 'in_ivr')).toBe('in_ivr');
  });

  it('names, for each status, the statuses a conditional update may move from', () => {
    expect(statusesLeadingTo('queued').sort()).toEqual(['in_ivr', 'queued']);
    expect(statusesLeadingTo('in_ivr')).toEqual(['in_ivr']);
    expect(statusesLeadingTo('completed').sort()).toEqual(['completed', 'in_ivr', 'ivr_hangup', 'queued']);
    // Consistent with moveCall for every pair.
    for (const from of ALL) for (const to of ALL) expect(statusesLeadingTo(to).includes(from)).toBe(moveCall(from, to) === to);
  });
});
