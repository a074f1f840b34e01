import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { ZWrapUp, type wrapUpCall } from '../calls/wrap-up.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZCallId = z.string().min(1).max(64);

/** `POST /api/calls/:id/wrapup` (the call's agent): the call's disposition, notes, and whether it was resolved. */
export function wrapUpRouter(deps: { tokens: TokenVerifier; wrapUp: (input: Parameters<typeof wrapUpCall>[1]) => ReturnType<typeof wrapUpCall> }): express.Router {
  const r = express.Router();
  const agents = requireRole(deps.tokens, 'agent');

  r.post('/calls/:id/wrapup', agents, async (req: Request, res: Response) => {
    const callId = parseInput(ZCallId, req.params.id, 'id');
    const wrapUp = parseInput(ZWrapUp, req.body);
    const { record, created } = await deps.wrapUp({ callId, agentId: req.principal!.sub, wrapUp });
    res.status(created ? 201 : 200).json(record);
  });

  return r;
}
