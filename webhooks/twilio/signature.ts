import type { NextFunction, Request, Response } from 'express';
import twilio from 'twilio';
import { AppError } from '../../src/errors.js';

/**
 * Twilio signs the exact URL it requested (our PUBLIC_BASE_URL + path and query) and the
 * form parameters. Behind a load balancer the Host header is ours, not Twilio's, so the
 * URL is rebuilt from configuration rather than from the request. twilio.validateRequest
 * also tries the URL with and without the default port, which Twilio adds or drops.
 */
export function isValidTwilioSignature(opts: { authToken: string; url: string; signature: string; params: Record<string, unknown> }): boolean {
  return twilio.validateRequest(opts.authToken, opts.signature, opts.url, opts.params);
}

/** Rejects unsigned or wrongly signed webhooks with 403 before anything reads the body. */
export function requireTwilioSignature(opts: { authToken: string; publicBaseUrl: string }) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const signature = req.header('x-twilio-signature');
    if (!signature) return next(new AppError('FORBIDDEN', 'missing X-Twilio-Signature'));
    const url = opts.publicBaseUrl + req.originalUrl;
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!isValidTwilioSignature({ authToken: opts.authToken, url, signature, params })) {
      return next(new AppError('FORBIDDEN', 'X-Twilio-Signature does not match'));
    }
    next();
  };
}
