import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import type { CustomerRepo } from '../crm/customer-repo.js';
import { normalizePhone } from '../crm/phone.js';
import { ZCustomerId } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import type { CustomerAccess } from '../privacy/customer-access.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import { ZTimelineQuery, type TimelineItem } from '../timeline/schemas.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZPhoneQuery = z.object({ phone: z.string().min(3).max(64) });

/** A call the agent never handled shows its IVR path but not what the caller keyed or said there. */
function hideInputs(item: TimelineItem): TimelineItem {
  if (!item.call) return item;
  return { ...item, call: { ...item.call, inputsHidden: true, steps: item.call.steps.map((s) => ({ ...s, input: null })) } };
}

/**
 * Reads of a customer — profile, lookup by number, timeline — under least privilege
 * (src/privacy/customer-access.ts), each answered read written to the access log.
 */
export function customerReadRouter(deps: { tokens: TokenVerifier; customers: CustomerRepo; interactions: InteractionRepo; access: CustomerAccess }): express.Router {
  const r = express.Router();
  const readers = requireRole(deps.tokens, 'agent', 'supervisor', 'admin', 'service');

  r.get('/customers', readers, async (req: Request, res: Response) => {
    const { phone } = parseInput(ZPhoneQuery, req.query, 'query');
    const e164 = normalizePhone(phone);
    if (!e164) throw new AppError('BAD_REQUEST', 'phone: not a valid phone number');
    const customer = await deps.customers.findByPhone(e164);
    if (!customer) return void res.json({ items: [] });
    const endpoint = 'GET /api/customers?phone=';
    await deps.access.check(req.principal!, customer.id, 'profile', endpoint);
    deps.access.logRead(req.principal!, customer.id, 'profile', endpoint);
    res.json({ items: [customer] });
  });

  r.get('/customers/:id', readers, async (req: Request, res: Response) => {
    const id = parseInput(ZCustomerId, req.params.id, 'id');
    const endpoint = 'GET /api/customers/:id';
    await deps.access.check(req.principal!, id, 'profile', endpoint);
    const customer = await deps.customers.get(id);
    if (!customer) throw new AppError('NOT_FOUND', 'no such customer');
    deps.access.logRead(req.principal!, id, 'profile', endpoint);
    res.json(customer);
  });

  r.get('/customers/:id/timeline', readers, async (req: Request, res: Response) => {
    const id = parseInput(ZCustomerId, req.params.id, 'id');
    const query = parseInput(ZTimelineQuery, req.query, 'query');
    const endpoint = 'GET /api/customers/:id/timeline';
    await deps.access.check(req.principal!, id, 'timeline', endpoint);
    if (!(await deps.customers.get(id))) throw new AppError('NOT_FOUND', 'no such customer');
    const page = await deps.interactions.page(id, query);
    const visible = await deps.access.visibleCalls(req.principal!, page.items.flatMap((i) => (i.call && i.callId ? [i.callId] : [])));
    const items = visible === 'all' ? page.items : page.items.map((i) => (i.callId && !visible.has(i.callId) ? hideInputs(i) : i));
    deps.access.logRead(req.principal!, id, 'timeline', endpoint);
    res.json({ ...page, items });
  });

  return r;
}
