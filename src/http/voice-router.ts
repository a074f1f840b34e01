import express, { type Request, type Response } from 'express';
import type { TokenVerifier } from '../auth/tokens.js';
import type { SoftphoneToken } from '../voice/softphone-token.js';
import { requireRole } from './auth.js';

/** `GET /api/voice/token` (agent): the access token the softphone registers for audio with. */
export function voiceRouter(deps: { tokens: TokenVerifier; tokenFor: (agentId: string) => Promise<SoftphoneToken> }): express.Router {
  const r = express.Router();

  r.get('/voice/token', requireRole(deps.tokens, 'agent'), async (req: Request, res: Response) => {
    const answer = await deps.tokenFor(req.principal!.sub);
    // A credential: no cache (a proxy's or the browser's) may keep it.
    res.set('Cache-Control', 'no-store').json(answer);
  });

  return r;
}
