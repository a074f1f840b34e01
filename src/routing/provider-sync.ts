import type { Logger } from '../logger.js';
import type { Agent } from './agent-repo.js';
import type { ProviderResources } from './provider-resources.js';

/** What a telephony provider that keeps its own queues and users lists (Connect: ListQueues, ListUsers). */
export interface ProviderDirectory {
  queues(): Promise<Array<{ id: string; arn: string; name: string }>>;
  users(): Promise<Array<{ id: string; arn: string; username: string }>>;
}

/** A provider queue's live numbers (Connect: GetCurrentMetricData). */
export interface ProviderQueueStats {
  queueStats(queueIds: string[]): Promise<Array<{ queueId: string; waiting: number; oldestWaitSeconds: number; agentsAvailable: number; agentsOnline: number }>>;
}

export interface SyncReport {
  queues: Array<{ name: string; label: string }>;
  /** Provider queues left out: their routing name is another queue's already. */
  skippedQueues: Array<{ label: string; reason: string }>;
  users: number;
  /** Provider users no agent is linked to (PUT /api/agents/:id with connectAgentArn links them). */
  unlinkedUsers: string[];
}

/**
 * Routing's name for a provider queue: lower-case letters, digits, '-' and '_' as the rules'
 * validation wants them ("Billing Queue" -> billing-queue). A name with none of those (an
 * Arabic name) is named by its id.
 */
export function routingQueueName(label: string, id: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug || `queue-${id.replace(/[^a-z0-9]/gi, '').slice(0, 12).toLowerCase()}`;
}

/**
 * Copies the provider's queues and users: each queue becomes a routing queue (so rule sets may
 * name it and `route` can answer its ARN), users are kept by ARN for matching agents. Reads
 * first, then writes, so a failed read changes nothing.
 */
export async function syncProviderResources(deps: {
  provider: string;
  directory: ProviderDirectory;
  resources: Pick<ProviderResources, 'replace'>;
  addQueue(name: string, displayName: Record<string, string>): Promise<void>;
  agents: { list(): Promise<Agent[]> };
  now: () => Date;
  logger: Logger;
}): Promise<SyncReport> {
  const [queues, users, agents] = await Promise.all([deps.directory.queues(), deps.directory.users(), deps.agents.list()]);
  const named = new Map<string, { id: string; arn: string; name: string }>();
  const skippedQueues: SyncReport['skippedQueues'] = [];
  for (const q of [...queues].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = routingQueueName(q.name, q.id);
    const taken = named.get(name);
    if (taken) skippedQueues.push({ label: q.name, reason: `routing name '${name}' is already '${taken.name}'` });
    else named.set(name, q);
  }
  const at = deps.now();
  await deps.resources.replace(deps.provider, 'queue', [...named].map(([name, q]) => ({ name, label: q.name, resourceId: q.id, arn: q.arn })), at);
  for (const [name, q] of named) await deps.addQueue(name, { en: q.name.slice(0, 100) });
  await deps.resources.replace(deps.provider, 'user', users.map((u) => ({ name: u.username, label: u.username, resourceId: u.id, arn: u.arn })), at);
  const linked = new Set(agents.flatMap((a) => (a.connectAgentArn ? [a.connectAgentArn] : [])));
  const report: SyncReport = {
    queues: [...named].map(([name, q]) => ({ name, label: q.name })),
    skippedQueues,
    users: users.length,
    unlinkedUsers: users.filter((u) => !linked.has(u.arn)).map((u) => u.username),
  };
  deps.logger.info({ provider: deps.provider, queues: report.queues.length, skipped: skippedQueues.length, users: report.users, unlinked: report.unlinkedUsers.length }, 'provider queues and users synced');
  return report;
}
