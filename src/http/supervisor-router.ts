import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { AlertPolicy } from '../supervisor/alerts.js';
import { supervisorHello } from '../supervisor/greeting.js';
import type { LiveView } from '../supervisor/live-view.js';
import { requireRole } from './auth.js';

/**
 * `GET /api/supervisor/live` (supervisor, admin): the messages `/ws/supervisor` opens with
 * (hello, alerts, stats), read now. The console polls it while it has no socket: under
 * serverless, where API Gateway's WebSocket API serves agents only, and while a socket reconnects.
 */
export function supervisorRouter(deps: { tokens: TokenVerifier; view: Pick<LiveView, 'snapshot'>; policy: AlertPolicy; timeZone: string; now: () => Date }): express.Router {
  const r = express.Router();
  r.get('/supervisor/live', requireRole(deps.tokens, 'supervisor', 'admin'), async (req: Request, res: Response) => {
    const { stats, alerts } = await deps.view.snapshot();
    const hello = supervisorHello(req.principal!, { now: deps.now(), timeZone: deps.timeZone, policy: deps.policy });
    res.set('Cache-Control', 'no-store').json({ messages: [hello, { type: 'alerts', items: alerts }, stats] });
  });
  return r;
}
