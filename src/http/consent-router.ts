import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { CustomerRepo } from '../crm/customer-repo.js';
import { ZCustomerId } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';
import { ZConsentInput } from '../privacy/consent-schemas.js';
import type { ConsentRegister } from '../privacy/consent-register.js';

/**
 * `PUT/GET /api/customers/:id/consents`. Writes come from admins and systems (the IVR, a
 * CRM) holding a service token. Agents may read: whether the caller refused recording,
 * a survey or marketing decides what the agent may do on this call.
 */
export function consentRouter(deps: { tokens: TokenVerifier; customers: CustomerRepo; register: ConsentRegister }): express.Router {
  const r = express.Router();
  const writers = requireRole(deps.tokens, 'admin', 'service');
  const readers = requireRole(deps.tokens, 'agent', 'supervisor', 'admin', 'service');

  r.put('/customers/:id/consents', writers, async (req: Request, res: Response) => {
    const customerId = parseInput(ZCustomerId, req.params.id, 'id');
    const input = parseInput(ZConsentInput, req.body);
    const { consent, changed } = await deps.register.recordConsent({ customerId, ...input, by: req.principal!.sub });
    res.status(changed ? 201 : 200).json(consent);
  });

  r.get('/customers/:id/consents', readers, async (req: Request, res: Response) => {
    const customerId = parseInput(ZCustomerId, req.params.id, 'id');
    if (!(await deps.customers.get(customerId))) throw new AppError('NOT_FOUND', 'no such customer');
    res.json({ consents: await deps.register.latestConsents(customerId) });
  });

  return r;
}
