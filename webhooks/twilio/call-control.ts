import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { callbackGreeting } from '../../src/calls/callback-prompts.js';
import type { Action } from '../../src/ivr/types.js';
import { callLang } from '../../src/ivr/voices.js';
import { ProviderOutcomeUnknown, type CallBridge } from '../../src/routing/call-bridge.js';
import { renderTwiml, twimlFor } from './render-twiml.js';

/**
 * How long a REST request to Twilio may take before the client gives up (the library's own
 * default, stated here because routing's settling of held transfers must wait longer:
 * `stuckTransferMs` in src/routing/routing-service.ts).
 */
export const TWILIO_REST_TIMEOUT_MS = 30_000;

/**
 * The twilio REST client, optionally pointed at another base URL (a local stand-in for
 * api.twilio.com in tests). Twilio hard-codes its hosts, so the request client rewrites
 * them; everything else — auth, form encoding, paths — is the real library's.
 */
export function createTwilioRest(opts: { accountSid: string; authToken: string; apiBaseUrl?: string }): twilio.Twilio {
  if (!opts.apiBaseUrl) return twilio(opts.accountSid, opts.authToken, { timeout: TWILIO_REST_TIMEOUT_MS });
  const base = opts.apiBaseUrl.replace(/\/+$/, '');
  class Redirecting extends twilio.RequestClient {
    override request<TData>(o: RequestClient.RequestOptions<TData>) {
      return super.request<TData>({ ...o, uri: o.uri.replace(/^https:\/\/[a-z0-9.-]+\.twilio\.com/, base) });
    }
  }
  return twilio(opts.accountSid, opts.authToken, { httpClient: new Redirecting({ timeout: TWILIO_REST_TIMEOUT_MS }) });
}

/**
 * A change Twilio answered with an error was not made (RestException carries its HTTP
 * status); with no answer at all (a timeout, a dropped connection) it may have been.
 */
async function changing(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof twilio.RestException) throw err;
    throw new ProviderOutcomeUnknown(err);
  }
}

/** A call, or a leg of it, that Twilio has finished with. */
const FINISHED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * Rings the agent's softphone, after what the domain wants said first (`before`). With
 * `action`, Twilio asks us what next once the agent's leg ends (the post-call survey).
 * `params` reach the softphone's Voice SDK as the call's customParameters: the offer the
 * agent accepted, so the page answers this call by itself (Twilio wants <Identity> then).
 */
function dialAgent(identity: string, params: Record<string, string>, before: Action[] = [], action?: string): string {
  const response = twimlFor(before);
  const client = response.dial({ answerOnBridge: true, ...(action ? { action, method: 'POST' } : {}) }).client();
  client.identity(identity);
  for (const [name, value] of Object.entries(params)) client.parameter({ name, value });
  return response.toString();
}

/** Bridges calls to agents' Twilio Client identities with the REST API. */
export function createTwilioCallBridge(opts: {
  client: twilio.Twilio;
  callerId: string;
  statusCallbackUrl: string;
  agentLegEndedUrl?: string;
  /** Enqueue's waitUrl, the same as the IVR's: a transferred caller waits like any other. */
  queueWaitUrl?: string;
}): CallBridge {
  function identityOf(agent: { id: string; twilioIdentity: string | null }): string {
    if (!agent.twilioIdentity) throw new Error(`agent ${agent.id} has no Twilio client identity`);
    return agent.twilioIdentity;
  }
  return {
    async connectToAgent(call, agent, leg) {
      // The leg rides on the action URL: a redirect of the caller (a transfer) also fires it.
      const action = opts.agentLegEndedUrl && leg ? `${opts.agentLegEndedUrl}?leg=${encodeURIComponent(leg)}` : opts.agentLegEndedUrl;
      const twiml = dialAgent(identityOf(agent), leg ? { reservationId: leg } : {}, [], action);
      await changing(() => opts.client.calls(call.providerCallId).update({ twiml }));
    },
    async requeue(call, queue, before) {
      // Redirecting the caller ends their <Dial> to the agent: the agent's leg drops, the caller holds.
      const twiml = renderTwiml([...before, { type: 'enqueue', queue }], { queueWait: opts.queueWaitUrl });
      await changing(() => opts.client.calls(call.providerCallId).update({ twiml }));
    },
    async whereIs(call, agents) {
      const caller = await opts.client.calls(call.providerCallId).fetch();
      if (FINISHED.has(caller.status)) return { ended: true };
      // Each <Dial><Client> is a child call of the caller's, named `client:<identity>`; a
      // redirect ends the one it interrupts, so at most one is live (answered or ringing).
      const legs = await opts.client.calls.list({ parentCallSid: call.providerCallId, limit: 50 });
      const live = new Set(legs.filter((l) => !FINISHED.has(l.status)).map((l) => l.to));
      const withAgent = agents.find((a) => a.twilioIdentity !== null && live.has(`client:${a.twilioIdentity}`));
      return withAgent ? { ended: false, agentId: withAgent.id } : { ended: false };
    },
    async callBack(to, agent, language, callId) {
      const created = await opts.client.calls.create({
        to,
        from: opts.callerId,
        twiml: dialAgent(identityOf(agent), { callId }, callbackGreeting(callLang(language))),
        // The callback leg is not a call we know by its SID: name the original call.
        statusCallback: `${opts.statusCallbackUrl}?callbackFor=${encodeURIComponent(callId)}`,
        statusCallbackEvent: ['completed'],
      });
      return { providerCallId: created.sid };
    },
  };
}
