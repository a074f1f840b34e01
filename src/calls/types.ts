import type { LookupResult } from '../crm/lookup.js';
import type { Action, IvrEvent, Session } from '../ivr/types.js';

export type Provider = 'twilio' | 'connect';

export interface CallRecord {
  id: string;
  provider: Provider;
  providerCallId: string;
  fromE164: string | null;
  customerId: string | null;
  flowName: string;
  flowVersion: number;
  language: string;
  session: Session;
  status: 'in_ivr' | 'queued' | 'ivr_hangup' | 'completed';
  queue: string | null;
  intent: string | null;
  stepSeq: number;
  startedAt: Date;
  endedAt: Date | null;
  durationSeconds: number | null;
  endStatus: string | null;
}

/** One answer given to the provider, stored so a retried webhook gets the same answer. */
export interface CallStepRecord {
  seq: number;
  nodeId: string;
  input: string | null;
  result: string;
  events: IvrEvent[];
  actions: Action[];
}

/** What the webhook renders: the actions, and the step number the next action URL carries. */
export interface IvrAnswer {
  callId: string;
  actions: Action[];
  nextSeq: number;
  /** Set only when this request created the call (not on a provider's retry), with who called. */
  created?: { provider: Provider; from: string; caller: LookupResult };
}

/** The timeline entry of a call is keyed by the provider's call id: retries never double it. */
export function callInteractionKey(provider: Provider, providerCallId: string): string {
  return `call:${provider}:${providerCallId}`;
}
