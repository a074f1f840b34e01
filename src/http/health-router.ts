import express from 'express';
import type { Db } from '../db/client.js';

/** Liveness (the process answers) and readiness (the database answers, quickly). */
export function healthRouter(deps: { db: Db; isDraining: () => boolean }): express.Router {
  const r = express.Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    if (deps.isDraining()) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    try {
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('database timeout')), 1000);
      });
      await Promise.race([deps.db.$queryRawUnsafe('SELECT 1'), slow]).finally(() => clearTimeout(timer));
      res.json({ status: 'ready', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });
  return r;
}
