import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { ProviderResources } from '../routing/provider-resources.js';
import type { ProviderQueueStats, SyncReport } from '../routing/provider-sync.js';
import { requireRole } from './auth.js';

/**
 * `POST /api/connect/sync` (admin): Connect's queues become routing queues and its users are
 * kept for matching agents; answers what was synced. `GET /api/connect/queues` (supervisor,
 * admin): the synced queues with Connect's live numbers. 503 while Connect is not configured.
 */
export function connectRouter(deps: {
  tokens: TokenVerifier;
  resources: Pick<ProviderResources, 'list'>;
  /** Undefined when CONNECT_INSTANCE_ID or AWS_REGION is unset. */
  sync?: () => Promise<SyncReport>;
  stats?: ProviderQueueStats;
}): express.Router {
  const r = express.Router();
  const notConfigured = () => new AppError('SERVICE_UNAVAILABLE', 'Amazon Connect is not configured: set CONNECT_INSTANCE_ID and AWS_REGION');
  /** Connect's API failing (after the throttling retries) is a 502 that names its error, not our 500. */
  const fromConnect = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      throw err instanceof AppError ? err : new AppError('BAD_GATEWAY', `Amazon Connect's API failed: ${err instanceof Error ? err.name : 'error'}`);
    });

  r.post('/connect/sync', requireRole(deps.tokens, 'admin'), async (_req: Request, res: Response) => {
    if (!deps.sync) throw notConfigured();
    res.json(await fromConnect(deps.sync()));
  });

  r.get('/connect/queues', requireRole(deps.tokens, 'supervisor', 'admin'), async (_req: Request, res: Response) => {
    if (!deps.stats) throw notConfigured();
    const queues = await deps.resources.list('connect', 'queue');
    const live = new Map((await fromConnect(deps.stats.queueStats(queues.map((q) => q.resourceId)))).map((s) => [s.queueId, s]));
    res.json({
      items: queues.map((q) => {
        const s = live.get(q.resourceId);
        return { name: q.name, label: q.label, arn: q.arn, syncedAt: q.syncedAt.toISOString(), waiting: s?.waiting ?? 0, oldestWaitSeconds: s?.oldestWaitSeconds ?? 0, agentsAvailable: s?.agentsAvailable ?? 0, agentsOnline: s?.agentsOnline ?? 0 };
      }),
    });
  });

  return r;
}
