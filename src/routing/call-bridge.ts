/** What routing needs from a telephony provider once an agent accepts. */
export interface CallBridge {
  /** Takes the waiting caller out of the queue and rings the agent's softphone. */
  connectToAgent(call: { providerCallId: string; language: string }, agent: { id: string; twilioIdentity: string | null }): Promise<void>;
  /** Calls a customer back who left their number and connects them to the agent. */
  callBack(to: string, agent: { id: string; twilioIdentity: string | null }, language: string, callId: string): Promise<{ providerCallId: string }>;
}
