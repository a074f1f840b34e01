import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { CustomerRepo } from '../crm/customer-repo.js';
import { ZCustomerId } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';
import { ZConsentInput } from '../privacy/consent-schemas.js';
import type { ConsentRegister } from '../privacy/consent-register.js';
import type { CustomerAccess } from '../privacy/customer-access.js';

/**
 * `PUT/GET /api/customers/:id/consents`. Writes come from admins and systems (the IVR, a
 * CRM) holding a service token. Agents may read: whether the caller refused recording,
 * a survey or marketing decides what the agent may do on this call.
 */
export function consentRouter(deps: { tokens: TokenVerifier; customers: CustomerRepo; register: ConsentRegister; access?: CustomerAccess }): express.Router {
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
    const endpoint = 'GET /api/customers/:id/consents';
    // An agent reads them only for a customer they serve (least privilege, issue 12).
    await deps.access?.check(req.principal!, customerId, 'consents', endpoint);
    if (!(await deps.customers.get(customerId))) throw new AppError('NOT_FOUND', 'no such customer');
    deps.access?.logRead(req.principal!, customerId, 'consents', endpoint);
    res.json({ consents: await deps.register.latestConsents(customerId) });
  });

  return r;
}
