import type { Action } from '../ivr/types.js';

/** What routing needs from a telephony provider once an agent accepts (or hands the caller on). */
export interface CallBridge {
  /**
   * Takes the waiting caller out of the queue and rings the agent's softphone. `leg` names
   * this agent's leg (the accepted reservation), so that when the provider reports the leg
   * ended we can tell a leg that was transferred away from the call's own end.
   */
  connectToAgent(call: { providerCallId: string; language: string }, agent: { id: string; twilioIdentity: string | null }, leg?: string): Promise<void>;
  /** Calls a customer back who left their number and connects them to the agent. */
  callBack(to: string, agent: { id: string; twilioIdentity: string | null }, language: string, callId: string): Promise<{ providerCallId: string }>;
  /** Takes the caller from their agent back into the provider's queue `queue` (a cold transfer), after `before` is said. */
  requeue(call: { providerCallId: string; language: string }, queue: string, before: Action[]): Promise<void>;
}
