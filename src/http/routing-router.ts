import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import { ZStatusChange, type Presence } from '../routing/presence.js';
import type { QueueStore } from '../routing/queue-store.js';
import type { RoutingService } from '../routing/routing-service.js';
import type { RuleStore } from '../routing/rule-store.js';
import type { SimulationResult } from '../routing/simulate.js';
import type { RoutingContextInput } from '../routing/rules/index.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

export interface RoutingApiDeps {
  tokens: TokenVerifier;
  rules: RuleStore;
  /** Callers waiting per queue. */
  queues: Pick<QueueStore, 'queueStats'>;
  /** What would happen to a call now (routing/simulate.ts, bound to its stores). */
  simulate: (input: { context: RoutingContextInput; draft?: unknown }) => Promise<SimulationResult>;
  routing: RoutingService;
  presence: Presence;
  now: () => Date;
}

// Published versions are 1, 2, 3, … in a PostgreSQL int4 column. Version 0 is the built-in
// "everything to general" set: it is never published, so it cannot be shown, diffed or
// rolled back to (a rollback to it would activate an empty rule set).
const MAX_VERSION = 2_147_483_647;
const VERSION_HINT = 'must be a published version number (a whole number from 1)';
/** In a JSON body: a number, not a string, null, array, 0, negative or fraction. */
const ZVersion = z.number({ error: VERSION_HINT }).int({ error: VERSION_HINT }).min(1, { error: VERSION_HINT }).max(MAX_VERSION, { error: VERSION_HINT });
/** In a path or query: plain decimal digits (no space, sign, exponent, hex or leading zero). */
const ZVersionText = z
  .string({ error: VERSION_HINT })
  .regex(/^[1-9][0-9]{0,9}$/, { error: VERSION_HINT })
  .transform(Number)
  .pipe(ZVersion);
const ZComment = z.string().trim().max(500).optional();
const ZBodyObject = z.record(z.string(), z.unknown());
const ZRollback = z.object({ version: ZVersion, comment: z.string().trim().max(500).optional() });
const ZDiffQuery = z.object({ from: ZVersionText, to: ZVersionText });
const ZSimulate = z.object({ call: z.record(z.string(), z.unknown()).optional(), customer: z.record(z.string(), z.unknown()).optional(), ivr: z.record(z.string(), z.unknown()).optional(), rules: z.unknown().optional() });
const ZQueueName = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a lower-case queue name');
const ZQueueInput = z.object({ displayName: z.object({ ar: z.string().max(100), en: z.string().max(100) }).partial().default({}) });
const ZAgentId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

/** Admin routing rules (admin writes, supervisors read), presence, and offers. */
export function routingRouter(deps: RoutingApiDeps): express.Router {
  const r = express.Router();
  const admin = requireRole(deps.tokens, 'admin');
  const readers = requireRole(deps.tokens, 'supervisor', 'admin');
  const staff = requireRole(deps.tokens, 'agent', 'supervisor', 'admin');
  const by = (req: Request) => req.principal?.sub ?? 'unknown';
  /** Agents act for themselves; supervisors and admins for anyone. */
  const actingAgent = (req: Request, id: string) => {
    if (req.principal?.role === 'agent' && req.principal.sub !== id) throw new AppError('FORBIDDEN', 'agents may only act for themselves');
    return id;
  };

  r.get('/routing/rules', readers, async (_req: Request, res: Response) => {
    const active = await deps.rules.active();
    res.json({ version: active.version, ...active.source });
  });

  /**
   * Validate and publish take the same body, a rule set plus an optional `comment`, so an
   * editor can check exactly what it is about to publish. Everything but `comment` is the
   * rule set and is judged by the rule-set validator (unknown or missing fields are 422s).
   */
  const splitComment = (body: Record<string, unknown>) => {
    const { comment, ...ruleSet } = body;
    return { ruleSet, comment: parseInput(ZComment, comment, 'comment') };
  };

  r.post('/routing/rules/validate', admin, async (req: Request, res: Response) => {
    // Any shape is answered (422 lists what is wrong); only text no store could hold is a 400.
    const body = parseInput(z.unknown(), req.body);
    const ruleSet = ZBodyObject.safeParse(body).success ? splitComment(body as Record<string, unknown>).ruleSet : body;
    const result = await deps.rules.validate(ruleSet);
    if (result.valid) res.json({ valid: true });
    else res.status(422).json({ valid: false, errors: result.errors });
  });

  r.post('/routing/rules', admin, async (req: Request, res: Response) => {
    const { ruleSet, comment } = splitComment(parseInput(ZBodyObject, req.body));
    const { version } = await deps.rules.publish(ruleSet, { by: by(req), comment });
    res.status(201).json({ version });
  });

  r.get('/routing/rules/versions', readers, async (_req: Request, res: Response) => {
    res.json({ items: await deps.rules.versions() });
  });

  r.get('/routing/rules/versions/:version', readers, async (req: Request, res: Response) => {
    const version = parseInput(ZVersionText, req.params.version, 'version');
    res.json({ version, ...(await deps.rules.get(version)) });
  });

  r.get('/routing/rules/diff', readers, async (req: Request, res: Response) => {
    const q = parseInput(ZDiffQuery, req.query, 'query');
    res.json({ from: q.from, to: q.to, ...(await deps.rules.diff(q.from, q.to)) });
  });

  r.post('/routing/rules/rollback', admin, async (req: Request, res: Response) => {
    const body = parseInput(ZRollback, req.body);
    res.json(await deps.rules.rollback(body.version, { by: by(req), comment: body.comment }));
  });

  r.get('/routing/audit', readers, async (_req: Request, res: Response) => {
    res.json({ items: await deps.rules.audit(200) });
  });

  r.post('/routing/simulate', readers, async (req: Request, res: Response) => {
    const body = parseInput(ZSimulate, req.body);
    const result = await deps.simulate({ context: { call: body.call, customer: body.customer, ivr: body.ivr } as never, draft: body.rules });
    if (!result.ok) {
      res.status(422).json({ valid: false, errors: result.errors });
      return;
    }
    const { ok: _ok, ...out } = result;
    res.json(out);
  });

  r.put('/routing/queues/:name', admin, async (req: Request, res: Response) => {
    const name = parseInput(ZQueueName, req.params.name, 'name');
    await deps.rules.addQueue(name, parseInput(ZQueueInput, req.body).displayName as Record<string, string>);
    res.json({ name });
  });

  r.get('/routing/queues', staff, async (_req: Request, res: Response) => {
    const stats = await deps.queues.queueStats();
    const now = deps.now().getTime();
    res.json({
      // Registered queues only: a queue calls wait in without being registered has no display name.
      items: stats.flatMap((q) =>
        q.displayName === undefined
          ? []
          : [{ name: q.queue, displayName: q.displayName, waiting: q.depth, longestWaitSeconds: q.oldestEnqueuedAt ? Math.floor((now - q.oldestEnqueuedAt.getTime()) / 1000) : 0 }],
      ),
    });
  });

  r.put('/agents/:id/status', staff, async (req: Request, res: Response) => {
    const id = actingAgent(req, parseInput(ZAgentId, req.params.id, 'id'));
    const event = await deps.presence.setStatus(id, parseInput(ZStatusChange, req.body), 'api', { by: req.principal?.role === 'agent' ? 'agent' : 'admin' });
    void deps.routing.dispatch({ agentsChanged: true });
    res.json(event);
  });

  r.get('/agents/:id/reservations', staff, async (req: Request, res: Response) => {
    const id = actingAgent(req, parseInput(ZAgentId, req.params.id, 'id'));
    res.json({ items: await deps.routing.pendingFor(id) });
  });

  r.post('/reservations/:id/accept', staff, async (req: Request, res: Response) => {
    const { entry } = await deps.routing.accept(parseInput(z.uuid(), req.params.id, 'id'), by(req));
    res.json({ status: 'accepted', callId: entry.callId, queue: entry.queue });
  });

  r.post('/reservations/:id/reject', staff, async (req: Request, res: Response) => {
    await deps.routing.reject(parseInput(z.uuid(), req.params.id, 'id'), by(req));
    res.json({ status: 'rejected' });
  });

  return r;
}
