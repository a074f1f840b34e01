import {
  ConnectClient,
  GetCurrentMetricDataCommand,
  ListQueuesCommand,
  ListUsersCommand,
  StartOutboundVoiceContactCommand,
  TooManyRequestsException,
  UpdateContactAttributesCommand,
} from '@aws-sdk/client-connect';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectApi } from '../../../webhooks/connect/connect-api.js';

const INSTANCE_ID = '4b7c1a2e-5d6f-4a8b-9c0d-1e2f3a4b5c6d';
const mock = mockClient(ConnectClient);
afterEach(() => mock.reset());

const throttled = () => new TooManyRequestsException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
const api = () =>
  createConnectApi({ client: new ConnectClient({ region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }), instanceId: INSTANCE_ID, retry: { initialDelayMs: 1, maxDelayMs: 5 } });

describe('Connect API adapter', () => {
  it('UpdateContactAttributes: the instance, the initial contact and the attributes', async () => {
    mock.on(UpdateContactAttributesCommand).resolves({});
    await api().updateContactAttributes('11111111-2222-4333-8444-555566667777', { ccCallId: 'call-1', ccCustomerId: 'c-noura' });
    expect(mock.commandCalls(UpdateContactAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE_ID, InitialContactId: '11111111-2222-4333-8444-555566667777', Attributes: { ccCallId: 'call-1', ccCustomerId: 'c-noura' } },
    ]);
  });

  it('a throttled call (429) is retried with backoff until Connect takes it', async () => {
    mock.on(UpdateContactAttributesCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    await api().updateContactAttributes('11111111-2222-4333-8444-555566667777', { ccCallId: 'call-1' });
    expect(mock.commandCalls(UpdateContactAttributesCommand)).toHaveLength(3);
  });

  it('throttling that does not end gives up after five tries; other errors are not retried', async () => {
    mock.on(UpdateContactAttributesCommand).rejects(throttled());
    await expect(api().updateContactAttributes('11111111-2222-4333-8444-555566667777', {})).rejects.toThrow(/Rate exceeded/);
    expect(mock.commandCalls(UpdateContactAttributesCommand)).toHaveLength(5);
    mock.reset();
    mock.on(UpdateContactAttributesCommand).rejects(Object.assign(new Error('contact not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }));
    await expect(api().updateContactAttributes('11111111-2222-4333-8444-555566667777', {})).rejects.toThrow(/not found/);
    expect(mock.commandCalls(UpdateContactAttributesCommand)).toHaveLength(1);
  });

  it('StartOutboundVoiceContact: a callback with its flow, queue, caller id, attributes and an idempotency token', async () => {
    mock.on(StartOutboundVoiceContactCommand).resolves({ ContactId: '99999999-2222-4333-8444-555566667777' });
    const out = await api().startOutboundVoiceContact({
      destination: '+966501234567',
      contactFlowId: 'flow-callback',
      queueId: 'queue-billing',
      sourcePhoneNumber: '+966920000000',
      attributes: { ccCallId: 'call-1' },
      clientToken: 'callback-call-1',
    });
    expect(out).toEqual({ contactId: '99999999-2222-4333-8444-555566667777' });
    expect(mock.commandCalls(StartOutboundVoiceContactCommand)[0]!.args[0].input).toEqual({
      InstanceId: INSTANCE_ID,
      ContactFlowId: 'flow-callback',
      DestinationPhoneNumber: '+966501234567',
      QueueId: 'queue-billing',
      SourcePhoneNumber: '+966920000000',
      Attributes: { ccCallId: 'call-1' },
      ClientToken: 'callback-call-1',
    });
  });

  it('ListQueues and ListUsers: standard queues and users, every page', async () => {
    mock
      .on(ListQueuesCommand, { InstanceId: INSTANCE_ID, QueueTypes: ['STANDARD'], MaxResults: 1000 })
      .resolves({ QueueSummaryList: [{ Id: 'q1', Arn: 'arn:aws:connect:x:1:instance/i/queue/q1', Name: 'Billing' }], NextToken: 'page-2' })
      .on(ListQueuesCommand, { InstanceId: INSTANCE_ID, QueueTypes: ['STANDARD'], MaxResults: 1000, NextToken: 'page-2' })
      .resolves({ QueueSummaryList: [{ Id: 'q2', Arn: 'arn:aws:connect:x:1:instance/i/queue/q2', Name: 'الدعم' }] });
    mock.on(ListUsersCommand).rejectsOnce(throttled()).resolves({ UserSummaryList: [{ Id: 'u1', Arn: 'arn:aws:connect:x:1:instance/i/agent/u1', Username: 'sara' }] });
    expect(await api().queues()).toEqual([
      { id: 'q1', arn: 'arn:aws:connect:x:1:instance/i/queue/q1', name: 'Billing' },
      { id: 'q2', arn: 'arn:aws:connect:x:1:instance/i/queue/q2', name: 'الدعم' },
    ]);
    expect(mock.commandCalls(ListQueuesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(await api().users()).toEqual([{ id: 'u1', arn: 'arn:aws:connect:x:1:instance/i/agent/u1', username: 'sara' }]);
    expect(mock.commandCalls(ListUsersCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE_ID, MaxResults: 1000 },
      { InstanceId: INSTANCE_ID, MaxResults: 1000 },
    ]);
  });

  it('GetCurrentMetricData: live numbers per queue, at most 100 queues a request', async () => {
    mock.on(GetCurrentMetricDataCommand).callsFake((input: { Filters: { Queues: string[] } }) => ({
      MetricResults: input.Filters.Queues.slice(0, 1).map((id) => ({
        Dimensions: { Queue: { Id: id, Arn: `arn:${id}` } },
        Collections: [
          { Metric: { Name: 'CONTACTS_IN_QUEUE', Unit: 'COUNT' }, Value: 4 },
          { Metric: { Name: 'OLDEST_CONTACT_AGE', Unit: 'SECONDS' }, Value: 95.4 },
          { Metric: { Name: 'AGENTS_AVAILABLE', Unit: 'COUNT' }, Value: 2 },
          { Metric: { Name: 'AGENTS_ONLINE', Unit: 'COUNT' }, Value: 7 },
        ],
      })),
    }));
    const ids = Array.from({ length: 150 }, (_, i) => `q${i}`);
    const stats = await api().queueStats(ids);
    expect(stats).toEqual([
      { queueId: 'q0', waiting: 4, oldestWaitSeconds: 95, agentsAvailable: 2, agentsOnline: 7 },
      { queueId: 'q100', waiting: 4, oldestWaitSeconds: 95, agentsAvailable: 2, agentsOnline: 7 },
    ]);
    const inputs = mock.commandCalls(GetCurrentMetricDataCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.Filters?.Queues?.length)).toEqual([100, 50]);
    expect(inputs[0]).toEqual({
      InstanceId: INSTANCE_ID,
      Filters: { Queues: ids.slice(0, 100), Channels: ['VOICE'] },
      Groupings: ['QUEUE'],
      CurrentMetrics: [
        { Name: 'CONTACTS_IN_QUEUE', Unit: 'COUNT' },
        { Name: 'OLDEST_CONTACT_AGE', Unit: 'SECONDS' },
        { Name: 'AGENTS_AVAILABLE', Unit: 'COUNT' },
        { Name: 'AGENTS_ONLINE', Unit: 'COUNT' },
      ],
      MaxResults: 100,
    });
  });
});
