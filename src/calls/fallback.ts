import type { Action, Session } from '../ivr/types.js';
import { voiceFor } from '../ivr/voices.js';

/** Where a caller waits when our own side could not answer: an agent still takes the call. */
export const FALLBACK_QUEUE = 'general';

/**
 * What a caller hears when our stores are slow or down mid-call: an apology in both
 * languages (we may not know theirs yet) and a place in the general queue. A call is never
 * dropped because of us; each provider only renders these actions.
 */
export function fallbackActions(): Action[] {
  return [
    { type: 'say', text: 'نعتذر عن التأخير، سنحوّلك إلى أحد موظفينا.', language: 'ar', voice: voiceFor('ar') },
    { type: 'say', text: 'Sorry for the wait, connecting you to an agent.', language: 'en', voice: voiceFor('en') },
    { type: 'enqueue', queue: FALLBACK_QUEUE },
  ];
}

/** The session of a call whose IVR never ran on our side (it went straight to the fallback). */
export function fallbackSession(flowName: string): Session {
  return { flow: flowName, nodeId: 'fallback', language: 'ar', attempts: 0, path: ['fallback'], inputs: {} };
}

/** The caller hung up before the IVR could run (the provider's end arrived first): nothing left to say. */
export const HANG_UP: Action[] = [{ type: 'hangup' }];
