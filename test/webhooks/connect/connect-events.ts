import { INSTANCE_ARN } from './connect-test-app.js';

/** The Kinesis Video Streams reference Connect puts in a flow event once "Start media streaming" ran. */
export interface CustomerAudio {
  StreamARN: string;
  StartFragmentNumber: string;
  StartTimestamp: string;
}

/** A contact-flow invocation as Connect sends it to "Invoke AWS Lambda function" (AWS's documented ContactFlowEvent). */
export function flowEvent(contactId: string, action: string, params: Record<string, string> = {}, from = '+966501234567', audio: CustomerAudio | null = null) {
  return {
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        Attributes: {},
        Channel: 'VOICE',
        ContactId: contactId,
        CustomerEndpoint: { Address: from, Type: 'TELEPHONE_NUMBER' },
        InitialContactId: contactId,
        InitiationMethod: 'INBOUND',
        InstanceARN: INSTANCE_ARN,
        PreviousContactId: contactId,
        Queue: null,
        SystemEndpoint: { Address: '+966920000000', Type: 'TELEPHONE_NUMBER' },
        MediaStreams: { Customer: { Audio: audio } },
      },
      Parameters: { action, ...params },
    },
  };
}

// Some producers (and AWS's own older sample) spell the detail in PascalCase.
const pascalCase = (o: unknown): unknown =>
  o && typeof o === 'object' && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k[0]!.toUpperCase() + k.slice(1), pascalCase(v)])) : o;

/** A contact event as EventBridge delivers it (AWS's data model: camelCase detail unless `pascal`). */
export function contactEvent(
  eventType: string,
  contactId: string,
  detail: Record<string, unknown>,
  when: { time: string; initiatedAt: string; pascal?: boolean },
) {
  const d = { eventType, contactId, initialContactId: contactId, channel: 'VOICE', instanceArn: INSTANCE_ARN, initiationMethod: 'INBOUND', initiationTimestamp: when.initiatedAt, ...detail };
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Amazon Connect Contact Event',
    source: 'aws.connect',
    account: '123456789012',
    time: when.time,
    region: 'eu-central-1',
    resources: [INSTANCE_ARN, `${INSTANCE_ARN}/contact/${contactId}`],
    detail: when.pascal ? pascalCase(d) : d,
  };
}
