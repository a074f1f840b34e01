import {
  ConnectClient,
  GetCurrentMetricDataCommand,
  ListQueuesCommand,
  ListUsersCommand,
  StartOutboundVoiceContactCommand,
  UpdateContactAttributesCommand,
  type CurrentMetricName,
} from '@aws-sdk/client-connect';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { ProviderDirectory, ProviderQueueStats } from '../../src/routing/provider-sync.js';

/** Where Connect holds the state: the calls our side needs to make (IAM: README "Amazon Connect"). */
export interface ConnectApi extends ProviderDirectory, ProviderQueueStats {
  /** Hands the pop's context to the agent's CCP as contact attributes (ids and verdicts only, never a name). */
  updateContactAttributes(initialContactId: string, attributes: Record<string, string>): Promise<void>;
  /** A callback: Connect dials the customer and runs `contactFlowId` (which queues the call). `clientToken` makes a retry one call. */
  startOutboundVoiceContact(
    input: { destination: string; contactFlowId: string; queueId?: string; sourcePhoneNumber?: string; attributes?: Record<string, string>; clientToken: string },
    opts?: { signal?: AbortSignal },
  ): Promise<{ contactId: string }>;
}

/**
 * Connect throttles per account and API (TooManyRequests / Throttling, HTTP 429). Those are
 * retried with exponential backoff and jitter; anything else is the caller's to handle.
 */
export function isThrottled(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return e?.name === 'TooManyRequestsException' || e?.name === 'ThrottlingException' || e?.$metadata?.httpStatusCode === 429 || e?.$retryable?.throttling === true;
}

const METRICS: Array<{ Name: CurrentMetricName; Unit: 'COUNT' | 'SECONDS' }> = [
  { Name: 'CONTACTS_IN_QUEUE', Unit: 'COUNT' },
  { Name: 'OLDEST_CONTACT_AGE', Unit: 'SECONDS' },
  { Name: 'AGENTS_AVAILABLE', Unit: 'COUNT' },
  { Name: 'AGENTS_ONLINE', Unit: 'COUNT' },
];

/** The client our adapter uses: the SDK's own retries off, so throttling has one policy (ours, tested). */
export function createConnectClient(opts: { region: string }): ConnectClient {
  return new ConnectClient({ region: opts.region, maxAttempts: 1 });
}

export function createConnectApi(opts: { client: ConnectClient; instanceId: string; retry?: { retries?: number; initialDelayMs?: number; maxDelayMs?: number } }): ConnectApi {
  const { client, instanceId } = opts;
  const policy = retry(handleWhen(isThrottled), {
    // Retries after the first try: five tries in all.
    maxAttempts: opts.retry?.retries ?? 4,
    backoff: new ExponentialBackoff({ initialDelay: opts.retry?.initialDelayMs ?? 200, maxDelay: opts.retry?.maxDelayMs ?? 5000 }),
  });
  const call = <T>(fn: () => Promise<T>) => policy.execute(fn);

  /** Every page of a List* call (each page retried on its own). */
  async function pages<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
    const all: T[] = [];
    let token: string | undefined;
    do {
      const page = await call(() => fetch(token));
      all.push(...page.items);
      token = page.next;
    } while (token);
    return all;
  }

  return {
    async updateContactAttributes(initialContactId, attributes) {
      await call(() => client.send(new UpdateContactAttributesCommand({ InstanceId: instanceId, InitialContactId: initialContactId, Attributes: attributes })));
    },

    async startOutboundVoiceContact(input, opts) {
      // The signal stops the retries (and the request in flight) when the caller's answer cannot wait longer.
      const out = await policy.execute(({ signal }) =>
        client.send(
          new StartOutboundVoiceContactCommand({
            InstanceId: instanceId,
            ContactFlowId: input.contactFlowId,
            DestinationPhoneNumber: input.destination,
            ...(input.queueId ? { QueueId: input.queueId } : {}),
            ...(input.sourcePhoneNumber ? { SourcePhoneNumber: input.sourcePhoneNumber } : {}),
            ...(input.attributes ? { Attributes: input.attributes } : {}),
            ClientToken: input.clientToken,
          }),
          { abortSignal: signal },
        ),
        opts?.signal,
      );
      if (!out.ContactId) throw new Error('StartOutboundVoiceContact answered without a ContactId');
      return { contactId: out.ContactId };
    },

    queues: () =>
      pages(async (NextToken) => {
        const out = await client.send(new ListQueuesCommand({ InstanceId: instanceId, QueueTypes: ['STANDARD'], MaxResults: 1000, ...(NextToken ? { NextToken } : {}) }));
        const items = (out.QueueSummaryList ?? []).flatMap((q) => (q.Id && q.Arn && q.Name ? [{ id: q.Id, arn: q.Arn, name: q.Name }] : []));
        return { items, next: out.NextToken };
      }),

    users: () =>
      pages(async (NextToken) => {
        const out = await client.send(new ListUsersCommand({ InstanceId: instanceId, MaxResults: 1000, ...(NextToken ? { NextToken } : {}) }));
        const items = (out.UserSummaryList ?? []).flatMap((u) => (u.Id && u.Arn && u.Username ? [{ id: u.Id, arn: u.Arn, username: u.Username }] : []));
        return { items, next: out.NextToken };
      }),

    async queueStats(queueIds) {
      const stats: Awaited<ReturnType<ConnectApi['queueStats']>> = [];
      // At most 100 queues per request.
      for (let i = 0; i < queueIds.length; i += 100) {
        const chunk = queueIds.slice(i, i + 100);
        const results = await pages(async (NextToken) => {
          const out = await client.send(
            new GetCurrentMetricDataCommand({
              InstanceId: instanceId,
              Filters: { Queues: chunk, Channels: ['VOICE'] },
              Groupings: ['QUEUE'],
              CurrentMetrics: METRICS,
              MaxResults: 100,
              ...(NextToken ? { NextToken } : {}),
            }),
          );
          return { items: out.MetricResults ?? [], next: out.NextToken };
        });
        for (const r of results) {
          const queueId = r.Dimensions?.Queue?.Id;
          if (!queueId) continue;
          const value = (name: CurrentMetricName) => r.Collections?.find((c) => c.Metric?.Name === name)?.Value ?? 0;
          stats.push({ queueId, waiting: value('CONTACTS_IN_QUEUE'), oldestWaitSeconds: Math.round(value('OLDEST_CONTACT_AGE')), agentsAvailable: value('AGENTS_AVAILABLE'), agentsOnline: value('AGENTS_ONLINE') });
        }
      }
      return stats;
    },
  };
}
