import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { AnalyticsService } from '../analytics/analytics-service.js';
import { kpiCsv } from '../analytics/kpi-csv.js';
import { ZKpiQuery } from '../analytics/kpi-query.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

/** `GET /api/analytics/kpis` (JSON, or CSV on `Accept: text/csv`) and `GET /api/analytics/realtime`, for supervisors and admins. */
export function analyticsRouter(deps: { tokens: TokenVerifier; analytics: Pick<AnalyticsService, 'kpis' | 'realtimeStats'> }): express.Router {
  const r = express.Router();
  const readers = requireRole(deps.tokens, 'supervisor', 'admin');

  r.get('/analytics/kpis', readers, async (req: Request, res: Response) => {
    const report = await deps.analytics.kpis(parseInput(ZKpiQuery, req.query, 'query'));
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      const name = `kpis-${report.from.slice(0, 10)}-${report.interval}.csv`;
      res.type('text/csv; charset=utf-8').attachment(name).send(kpiCsv(report));
      return;
    }
    res.json(report);
  });

  r.get('/analytics/realtime', readers, async (_req: Request, res: Response) => {
    res.json(await deps.analytics.realtimeStats());
  });

  return r;
}
