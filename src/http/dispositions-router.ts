import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { codesForQueue, replaceDispositions, ZDispositionList, type DispositionStore } from '../calls/dispositions.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZListQuery = z.strictObject({ queue: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a lower-case queue name').optional() });

/** The wrap-up's disposition codes: admins replace the list, agents read their queue's. */
export function dispositionsRouter(deps: {
  tokens: TokenVerifier;
  store: DispositionStore;
  /** The routing queues that exist. */
  queueNames: () => Promise<string[]>;
  now: () => Date;
}): express.Router {
  const r = express.Router();
  const admin = requireRole(deps.tokens, 'admin');
  const readers = requireRole(deps.tokens, 'agent', 'supervisor', 'admin');

  r.get('/dispositions', readers, async (req: Request, res: Response) => {
    const { queue } = parseInput(ZListQuery, req.query, 'query');
    const codes = await deps.store.list();
    res.json({ codes: queue === undefined ? codes : codesForQueue(codes, queue) });
  });

  r.put('/dispositions', admin, async (req: Request, res: Response) => {
    const list = parseInput(ZDispositionList, req.body);
    const codes = await replaceDispositions({ store: deps.store, queueNames: deps.queueNames }, { list, by: req.principal?.sub ?? 'unknown', at: deps.now() });
    res.json({ codes });
  });

  return r;
}
