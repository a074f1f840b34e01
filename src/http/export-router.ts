import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response } from 'express';
import type { Principal, TokenVerifier } from '../auth/tokens.js';
import { ZCustomerId } from '../crm/schemas.js';
import type { Logger } from '../logger.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

/**
 * `GET /api/customers/:id/export` (admin only: it is everything held about a person). The
 * document is streamed: an unknown customer is a 404 before anything is sent; a store
 * failing halfway aborts the connection, so a client never takes a truncated file for a
 * whole one.
 */
export function exportRouter(deps: {
  tokens: TokenVerifier;
  exportCustomer: (customerId: string) => Promise<AsyncIterable<string>>;
  logger: Logger;
  /** The access log's note of the read (issue 12). */
  logRead?: (principal: Principal, customerId: string) => void;
}): express.Router {
  const r = express.Router();

  r.get('/customers/:id/export', requireRole(deps.tokens, 'admin'), async (req: Request, res: Response) => {
    const customerId = parseInput(ZCustomerId, req.params.id, 'id');
    const document = await deps.exportCustomer(customerId);
    deps.logRead?.(req.principal!, customerId);
    res.status(200).type('application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="customer-${customerId}-export.json"`);
    res.setHeader('Cache-Control', 'no-store');
    // pipeline waits for the client to drain each chunk and stops reading if it goes away.
    await pipeline(Readable.from(document), res).catch((err: unknown) => {
      deps.logger.error({ err, customerId }, 'customer export aborted');
    });
  });

  return r;
}
