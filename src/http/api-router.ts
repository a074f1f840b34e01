import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import type { CustomerRepo } from '../crm/customer-repo.js';
import { normalizePhone } from '../crm/phone.js';
import { ZCustomerId, ZCustomerInput } from '../crm/schemas.js';
import { AppError } from '../errors.js';
import type { FlowStore } from '../ivr/flow-store.js';
import type { EventBus } from '../realtime/event-bus.js';
import { ZAgentInput, type AgentRepo } from '../routing/agent-repo.js';
import { ingestInteraction } from '../timeline/ingest-interaction.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import { ZInteractionInput } from '../timeline/schemas.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

export interface ApiDeps {
  tokens: TokenVerifier;
  customers: CustomerRepo;
  interactions: InteractionRepo;
  agents: AgentRepo;
  flows: FlowStore;
  /** New timeline entries are announced on it (supervisor alerts). */
  bus?: Pick<EventBus, 'publish'>;
}

const ZFlowName = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a flow name');
const ZPublishFlow = z.object({ definition: z.unknown(), comment: z.string().max(500).optional() });

/** The agent/admin REST API: thin handlers that parse, call the domain, answer JSON. */
export function apiRouter(deps: ApiDeps): express.Router {
  const r = express.Router();
  const admin = requireRole(deps.tokens, 'admin');
  const ingest = requireRole(deps.tokens, 'supervisor', 'admin', 'service');
  const supervisors = requireRole(deps.tokens, 'supervisor', 'admin');

  r.put('/customers/:id', admin, async (req: Request, res: Response) => {
    const id = parseInput(ZCustomerId, req.params.id, 'id');
    const input = parseInput(ZCustomerInput, req.body);
    const phones = input.phones.map((p, i) => {
      const e164 = normalizePhone(p);
      if (!e164) throw new AppError('BAD_REQUEST', `phones.${i}: not a valid phone number`);
      return e164;
    });
    const { customer, created } = await deps.customers.upsert({ id, ...input, phones: [...new Set(phones)] });
    res.status(created ? 201 : 200).json(customer);
  });

  // Reads of a customer (profile, lookup by number, timeline) are in customer-read-router.ts:
  // least privilege and the access log.

  r.post('/interactions', ingest, async (req: Request, res: Response) => {
    const input = parseInput(ZInteractionInput, req.body);
    const { item, created } = await ingestInteraction({ input, customers: deps.customers, interactions: deps.interactions, bus: deps.bus });
    const { idempotencyKey: _k, ...body } = item;
    res.status(created ? 201 : 200).json(body);
  });

  r.put('/agents/:id', admin, async (req: Request, res: Response) => {
    const id = parseInput(ZCustomerId, req.params.id, 'id');
    const { agent, created } = await deps.agents.upsert(id, parseInput(ZAgentInput, req.body));
    res.status(created ? 201 : 200).json(agent);
  });

  r.get('/agents', supervisors, async (_req: Request, res: Response) => {
    res.json({ items: await deps.agents.list() });
  });

  r.get('/ivr/flows/:name', supervisors, async (req: Request, res: Response) => {
    const name = parseInput(ZFlowName, req.params.name, 'name');
    const active = await deps.flows.active(name);
    if (!active) throw new AppError('NOT_FOUND', 'no such flow');
    res.json({ name, version: active.version, definition: active.flow, versions: await deps.flows.versions(name) });
  });

  r.put('/ivr/flows/:name', admin, async (req: Request, res: Response) => {
    const name = parseInput(ZFlowName, req.params.name, 'name');
    const body = parseInput(ZPublishFlow, req.body);
    const published = await deps.flows.publish(name, body.definition, { comment: body.comment, by: req.principal?.sub });
    res.status(201).json({ name, version: published.version });
  });

  return r;
}
