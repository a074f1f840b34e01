import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { ZCustomerId } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import type { AccessLog } from '../privacy/access-log.js';
import type { AccessLogStore } from '../privacy/access-log-store.js';
import type { CustomerErasure } from '../privacy/erase-customer.js';
import { decodeCursor, encodeCursor } from '../timeline/cursor.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZAccessQuery = z.object({
  customerId: ZCustomerId.optional(),
  actor: z.string().min(1).max(128).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * `DELETE /api/customers/:id` (admin): the erasure, answered with its receipt — the same
 * receipt again (200) when repeated, 404 for a customer never known.
 * `GET /api/audit/access?customerId=&actor=&cursor=&limit=` (admin): the access log, newest first.
 */
export function privacyRouter(deps: { tokens: TokenVerifier; erasure: CustomerErasure; accessLog: AccessLog; accessLogStore: AccessLogStore }): express.Router {
  const r = express.Router();
  const admin = requireRole(deps.tokens, 'admin');

  r.delete('/customers/:id', admin, async (req: Request, res: Response) => {
    const customerId = parseInput(ZCustomerId, req.params.id, 'id');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await deps.erasure.erase(customerId, req.principal!.sub));
  });

  r.get('/audit/access', admin, async (req: Request, res: Response) => {
    const q = parseInput(ZAccessQuery, req.query, 'query');
    // This node's reads are batched: write them first so the answer includes them.
    await deps.accessLog.flush();
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const seq = Number(after?.id);
    if (after && !(Number.isSafeInteger(seq) && seq > 0)) throw new AppError('BAD_REQUEST', 'cursor: not a cursor returned by this API');
    const page = await deps.accessLogStore.page({ customerId: q.customerId, actor: q.actor, after: after && { at: after.at, seq }, limit: q.limit });
    res.json({ items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor.at, String(page.nextCursor.seq)) : null });
  });

  return r;
}
