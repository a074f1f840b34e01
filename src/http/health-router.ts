import express from 'express';
import type { DbHealthRepo } from '../db/db-health-repo.js';
import { withDeadline } from '../db/store-errors.js';
import type { EventBus } from '../realtime/event-bus.js';

/**
 * Liveness (the process answers) and readiness (the database answers, quickly).
 *
 * A degraded event bus (Redis unreachable) leaves readiness at 200 with
 * `{ status: "degraded", bus: "degraded" }`: the node still answers callers, records calls
 * and serves the agents whose sockets it holds, and since every node shares the one Redis,
 * a 503 would take all of them out of the load balancer at once — a total outage caused by
 * the one part that is optional for a single node.
 */
export function healthRouter(deps: { database: DbHealthRepo; isDraining: () => boolean; bus?: Pick<EventBus, 'health'> }): express.Router {
  const r = express.Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    if (deps.isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const bus = deps.bus?.health() ?? 'ok';
    try {
      await withDeadline(deps.database.ping(), 1000, 'readiness ping');
      res.json({ status: bus === 'ok' ? 'ready' : 'degraded', database: 'ok', bus });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable', bus });
    }
  });
  return r;
}
