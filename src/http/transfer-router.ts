import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { ZTransfer, type transferCall } from '../calls/transfer-call.js';
import { requireRole } from './auth.js';
import { parseInput } from './validate.js';

const ZCallId = z.string().min(1).max(64);

/** `POST /api/calls/:id/transfer` (the call's agent, a supervisor or admin): the caller goes to a queue or a named agent, with the pop and a note. */
export function transferRouter(deps: { tokens: TokenVerifier; transfer: (input: Parameters<typeof transferCall>[1]) => ReturnType<typeof transferCall> }): express.Router {
  const r = express.Router();
  const staff = requireRole(deps.tokens, 'agent', 'supervisor', 'admin');

  r.post('/calls/:id/transfer', staff, async (req: Request, res: Response) => {
    const callId = parseInput(ZCallId, req.params.id, 'id');
    const transfer = parseInput(ZTransfer, req.body);
    const { result, created } = await deps.transfer({ callId, by: { sub: req.principal!.sub, role: req.principal!.role }, transfer });
    // A warm transfer is under way when answered (the target has not accepted yet).
    res.status(result.status === 'offered' ? 202 : created ? 201 : 200).json(result);
  });

  return r;
}
