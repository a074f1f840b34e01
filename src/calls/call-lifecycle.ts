import type { CallRecord } from './types.js';

export type CallStatus = CallRecord['status'];

/**
 * A call's lifecycle only moves forward. In the IVR it may be queued (the IVR or the
 * fallback put it in line), hang up in the IVR, or end; once queued or hung up it can only
 * end; an ended call stays ended. A late or repeated webhook asking for anything else
 * leaves the status as it is.
 */
export const CALL_TRANSITIONS: Readonly<Record<CallStatus, readonly CallStatus[]>> = {
  in_ivr: ['queued', 'ivr_hangup', 'completed'],
  queued: ['completed'],
  ivr_hangup: ['completed'],
  completed: [],
};

/** The status a call moves to when `wanted` is asked of it in `from`: `wanted` if the lifecycle allows, else `from`. */
export function moveCall(from: CallStatus, wanted: CallStatus): CallStatus {
  return from === wanted || CALL_TRANSITIONS[from].includes(wanted) ? wanted : from;
}

/** The statuses from which a call may move to (or stay in) `to`: what a conditional UPDATE checks against the row it holds. */
export function statusesLeadingTo(to: CallStatus): CallStatus[] {
  return (Object.keys(CALL_TRANSITIONS) as CallStatus[]).filter((from) => from === to || CALL_TRANSITIONS[from].includes(to));
}
