import type { Action } from '../ivr/types.js';

/**
 * The provider gave no answer (a timeout, a dropped connection): the change asked for may or
 * may not have been made. Unlike a refusal, nothing may be undone on the strength of it.
 */
export class ProviderOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super('the provider did not answer; the change may or may not have been made', { cause });
    this.name = 'ProviderOutcomeUnknown';
  }
}

/** Where the provider says a caller is now (see `CallBridge.whereIs`). */
export type CallerWhereabouts = { ended: true } | { ended: false; agentId?: string };

/** What routing needs from a telephony provider once an agent accepts (or hands the caller on). */
export interface CallBridge {
  /**
   * Takes the waiting caller out of the queue and rings the agent's softphone. `leg` names
   * this agent's leg (the accepted reservation), so that when the provider reports the leg
   * ended we can tell a leg that was transferred away from the call's own end. Throws
   * `ProviderOutcomeUnknown` when the provider gave no answer.
   */
  connectToAgent(call: { providerCallId: string; language: string }, agent: { id: string; twilioIdentity: string | null }, leg?: string): Promise<void>;
  /** Calls a customer back who left their number and connects them to the agent. */
  callBack(to: string, agent: { id: string; twilioIdentity: string | null }, language: string, callId: string): Promise<{ providerCallId: string }>;
  /**
   * Takes the caller from their agent back into the provider's queue `queue` (a cold transfer),
   * after `before` is said. Throws `ProviderOutcomeUnknown` when the provider gave no answer.
   */
  requeue(call: { providerCallId: string; language: string }, queue: string, before: Action[]): Promise<void>;
  /**
   * Asks the provider where the caller is: their call has ended, or it is connected (or
   * ringing) to the softphone of one of `agents` (`agentId`), or to none of them (holding in
   * the provider's queue, or hearing a prompt). Read-only.
   */
  whereIs(call: { providerCallId: string }, agents: Array<{ id: string; twilioIdentity: string | null }>): Promise<CallerWhereabouts>;
}
