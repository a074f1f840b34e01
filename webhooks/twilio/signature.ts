import type { NextFunction, Request, Response } from 'express';
import twilio from 'twilio';
import { AppError } from '../../src/errors.js';

/**
 * Twilio signs the exact URL it requested (our PUBLIC_BASE_URL + path and query) and the
 * form parameters. Behind a load balancer the Host header is ours, not Twilio's, so the
 * URL is rebuilt from configuration rather than from the request. twilio.validateRequest
 * also tries the URL with and without the default port (:443, :80), since Twilio signs the
 * URL as it was written — in the console, or in our TwiML — with or without one.
 */
export function isValidTwilioSignature(opts: { authToken: string; url: string; signature: string; params: Record<string, unknown> }): boolean {
  return twilio.validateRequest(opts.authToken, opts.signature, opts.url, opts.params);
}

/**
 * The path and query of a request target, byte for byte (Twilio signs them unnormalised).
 * A proxy may forward the absolute form (`POST https://host/path HTTP/1.1`, RFC 9112
 * §3.2.2), where Express's originalUrl is the whole URL: its scheme and host are dropped
 * like the Host header's, so PUBLIC_BASE_URL alone says where Twilio sent the request.
 */
function requestPathAndQuery(target: string): string {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (!origin) return target;
  const rest = target.slice(origin[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Rejects unsigned or wrongly signed webhooks with 403 before anything reads the body. */
export function requireTwilioSignature(opts: { authToken: string; publicBaseUrl: string }) {
  // A trailing slash in the base would sign "…//webhooks/…", a URL Twilio never requests.
  const base = opts.publicBaseUrl.replace(/\/+$/, '');
  return (req: Request, _res: Response, next: NextFunction) => {
    const signature = req.header('x-twilio-signature');
    if (!signature) return next(new AppError('FORBIDDEN', 'missing X-Twilio-Signature'));
    const url = base + requestPathAndQuery(req.originalUrl);
    const params = (req.body ?? {}) as Record<string, unknown>;
    if (!isValidTwilioSignature({ authToken: opts.authToken, url, signature, params })) {
      return next(new AppError('FORBIDDEN', 'X-Twilio-Signature does not match'));
    }
    next();
  };
}
