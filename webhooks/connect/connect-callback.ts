import { CallbackNotPlaceable, type CallbackDialer } from '../../src/calls/external-callback.js';
import { normalizePhone } from '../../src/crm/phone.js';
import type { ConnectApi } from './connect-api.js';

/**
 * A callback as Connect places it: StartOutboundVoiceContact runs `contactFlowId` (the
 * callback flow, which queues the answered call) in the routed queue, whose outbound caller
 * id the customer sees. A queue not synced yet has no id: the number they dialled is then
 * the caller id. Attributes are ids and the language, never a name or a number.
 */
export function createConnectCallbackDialer(deps: { api: Pick<ConnectApi, 'startOutboundVoiceContact'>; contactFlowId: string; queueId(queue: string): Promise<string | null> }): CallbackDialer {
  return {
    async dial(input, signal) {
      const queueId = await deps.queueId(input.queue);
      const source = input.dialled ? normalizePhone(input.dialled) : undefined;
      if (!queueId && !source) throw new CallbackNotPlaceable(`queue ${input.queue} has no synced Connect queue and the dialled number is unknown`);
      const out = await deps.api.startOutboundVoiceContact(
        {
          destination: input.destination,
          contactFlowId: deps.contactFlowId,
          ...(queueId ? { queueId } : { sourcePhoneNumber: source! }),
          attributes: {
            ccCallbackFor: input.providerCallId,
            ccCallId: input.callId,
            ccCustomerId: input.customerId ?? '',
            ccQueue: input.queue,
            ccQueueArn: input.queueRef ?? '',
            language: input.language,
          },
          clientToken: input.token,
        },
        { signal },
      );
      return { providerCallId: out.contactId };
    },
  };
}
