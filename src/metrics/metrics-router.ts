import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Registry } from 'prom-client';
import { AppError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` in Prometheus text format. Open unless a token is configured, in which
 * case the scraper sends `Authorization: Bearer <token>` (Prometheus' `authorization`
 * scrape setting). The labels carry route patterns, queue names and outcomes: no caller
 * numbers, names or ids.
 */
export function metricsRouter(deps: { registry: Registry; token?: string }): express.Router {
  const r = express.Router();
  // Compared as digests: equal length, so the comparison takes the same time whatever is sent.
  const expected = deps.token ? digest(deps.token) : undefined;
  r.get('/metrics', async (req, res) => {
    if (expected) {
      const sent = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!sent) throw new AppError('UNAUTHORIZED', 'missing bearer token for /metrics');
      if (!timingSafeEqual(digest(sent), expected)) throw new AppError('UNAUTHORIZED', 'wrong bearer token for /metrics');
    }
    const body = await deps.registry.metrics();
    res.set('Content-Type', deps.registry.contentType).set('Cache-Control', 'no-store').send(body);
  });
  return r;
}
