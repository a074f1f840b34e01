import express, { type NextFunction, type Request, type Response } from 'express';
import { BIOMETRICS_SIGNATURE_HEADER, verifyBiometricsSignature } from '../../src/biometrics/vendor-signature.js';
import { ZVendorResult } from '../../src/biometrics/vendor-schemas.js';
import type { VoiceBiometricsService } from '../../src/biometrics/voice-biometrics.js';
import { AppError } from '../../src/errors.js';
import { parseInput } from '../../src/http/validate.js';
import type { Logger } from '../../src/logger.js';

export interface BiometricsWebhookDeps {
  /** BIOMETRICS_WEBHOOK_SECRET; without it every callback is refused. */
  secret: string | undefined;
  voice: Pick<VoiceBiometricsService, 'receiveResult'>;
  now: () => Date;
  logger: Logger;
}

/**
 * POST /webhooks/biometrics/result: the vendor's later verdict (after a 202). The signature
 * is checked over the raw bytes before anything is parsed; a wrong or stale one changes
 * nothing. The same verdict twice is one verdict (200 both times); another verdict for a
 * request already decided is a 409 and changes nothing.
 */
export function biometricsWebhooks(deps: BiometricsWebhookDeps): express.Router {
  const router = express.Router();
  router.post(
    '/result',
    express.raw({ type: () => true, limit: '16kb' }),
    (req: Request, _res: Response, next: NextFunction) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const check = deps.secret ? verifyBiometricsSignature(deps.secret, raw, req.header(BIOMETRICS_SIGNATURE_HEADER), deps.now()) : ({ ok: false, reason: 'missing' } as const);
      if (!check.ok) {
        deps.logger.warn({ reason: check.reason }, 'biometrics callback refused');
        return next(new AppError('UNAUTHORIZED', `${BIOMETRICS_SIGNATURE_HEADER}: ${check.reason === 'stale' ? 'older than 5 minutes' : check.reason === 'missing' ? 'required' : 'does not match'}`));
      }
      next();
    },
    async (req: Request, res: Response) => {
      let json: unknown;
      try {
        json = JSON.parse((req.body as Buffer).toString('utf8'));
      } catch {
        throw new AppError('BAD_REQUEST', 'body: must be JSON');
      }
      const result = parseInput(ZVendorResult, json);
      const outcome = await deps.voice.receiveResult(result);
      if (outcome === 'unknown') throw new AppError('NOT_FOUND', 'requestId: no such request');
      if (outcome === 'different') throw new AppError('CONFLICT', 'requestId: already has another result');
      res.json({ requestId: result.requestId, status: outcome === 'recorded' ? 'recorded' : 'already_recorded' });
    },
  );
  return router;
}
