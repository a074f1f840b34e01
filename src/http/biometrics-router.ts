import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { SetPin } from '../biometrics/set-pin.js';
import { ZPinInput } from '../biometrics/pin-schemas.js';
import type { Watchlist } from '../biometrics/watchlist.js';
import { ZWatchlistId, ZWatchlistInput } from '../biometrics/watchlist-schemas.js';
import { ZCustomerId } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

/**
 * `PUT /api/customers/:id/pin` (admin, or a service token for the IVR and the CRM) and the
 * fraud watchlist `POST|GET|DELETE /api/biometrics/watchlist` (admins write, supervisors read).
 */
export function biometricsRouter(deps: { tokens: TokenVerifier; setPin: SetPin; watchlist: Watchlist }): express.Router {
  const r = express.Router();
  const pinWriters = requireRole(deps.tokens, 'admin', 'service');
  const admins = requireRole(deps.tokens, 'admin');
  const readers = requireRole(deps.tokens, 'supervisor', 'admin');

  r.put('/customers/:id/pin', pinWriters, async (req: Request, res: Response) => {
    const customerId = parseInput(ZCustomerId, req.params.id, 'id');
    const { pin } = parseInput(ZPinInput, req.body);
    await deps.setPin(customerId, pin);
    res.status(204).end();
  });

  r.post('/biometrics/watchlist', admins, async (req: Request, res: Response) => {
    const input = parseInput(ZWatchlistInput, req.body);
    const { entry, created } = await deps.watchlist.add(input, req.principal!.sub);
    res.status(created ? 201 : 200).json(entry);
  });

  r.get('/biometrics/watchlist', readers, async (_req: Request, res: Response) => {
    res.json({ entries: await deps.watchlist.list() });
  });

  r.delete('/biometrics/watchlist/:id', admins, async (req: Request, res: Response) => {
    const id = parseInput(ZWatchlistId, req.params.id, 'id');
    if (!(await deps.watchlist.remove(id, req.principal!.sub))) throw new AppError('NOT_FOUND', 'no such watchlist entry');
    res.status(204).end();
  });

  return r;
}
