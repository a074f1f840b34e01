import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import type { SurveySettingsStore } from '../analytics/surveys/survey-settings-store.js';
import { AppError } from '../errors.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZQueueName = z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a lower-case queue name');
const ZSurveySetting = z.strictObject({ enabled: z.boolean() });

/** Which queues ask for a post-call survey: admins set it, supervisors read it. */
export function surveyRouter(deps: {
  tokens: TokenVerifier;
  settings: SurveySettingsStore;
  /** The routing queues that exist. */
  queueNames: () => Promise<string[]>;
  now: () => Date;
}): express.Router {
  const r = express.Router();
  const admin = requireRole(deps.tokens, 'admin');
  const readers = requireRole(deps.tokens, 'supervisor', 'admin');

  async function knownQueue(req: Request): Promise<string> {
    const name = parseInput(ZQueueName, req.params.name, 'name');
    if (!(await deps.queueNames()).includes(name)) throw new AppError('NOT_FOUND', `name: no queue '${name}'`);
    return name;
  }

  r.get('/queues/:name/survey', readers, async (req: Request, res: Response) => {
    res.json(await deps.settings.get(await knownQueue(req)));
  });

  r.put('/queues/:name/survey', admin, async (req: Request, res: Response) => {
    const queue = await knownQueue(req);
    const { enabled } = parseInput(ZSurveySetting, req.body);
    res.json(await deps.settings.set(queue, enabled, req.principal?.sub ?? 'unknown', deps.now()));
  });

  return r;
}
