import type { NextFunction, Request, Response } from 'express';
import { isStoreUnavailable } from '../db/store-errors.js';
import { AppError, ERROR_STATUS, type ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';

/** What Express's router and body-parser (via http-errors) put on the errors they pass on. */
interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
  expose?: boolean;
  encoding?: string;
  charset?: string;
}

/**
 * 5xx answers that are how the deployment is set up, not a failure: a server without voice
 * answers every softphone's sign-in so, and an error line each time would bury real ones.
 */
const SETUP_ANSWERS = new Set<ErrorCode>(['VOICE_NOT_CONFIGURED']);

/** Maps every error to `{ error: { code, message } }`; 5xx messages never leak internals. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(err, req);
    if (appError.status >= 500 && !SETUP_ANSWERS.has(appError.code)) logger.error({ err, path: req.path }, 'request failed');
    const body: Record<string, unknown> = { code: appError.code, message: appError.status >= 500 && appError.code === 'INTERNAL' ? 'internal error' : appError.message };
    if (appError.details !== undefined && appError.status < 500) body.details = appError.details;
    res.status(appError.status).json({ error: body });
  };
}

const CODE_BY_STATUS = new Map<number, ErrorCode>(Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]));

function toAppError(err: unknown, req: Request): AppError {
  if (err instanceof AppError) return err;
  // The database is away or too slow: a 503 tells clients (and load balancers) to retry.
  if (isStoreUnavailable(err)) return new AppError('SERVICE_UNAVAILABLE', 'a store is unavailable; try again shortly');
  const e = (err ?? {}) as HttpError;
  const status = e.status ?? e.statusCode;
  // Only errors the framework marked as the client's fault; anything else is ours (500).
  if (typeof status !== 'number' || status < 400 || status >= 500) return new AppError('INTERNAL', 'internal error');
  switch (e.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
    case 'entity.parse.failed':
      return new AppError('BAD_REQUEST', 'body: malformed JSON');
    case 'encoding.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding: '${e.encoding ?? 'unknown'}' is not supported (gzip, deflate, br or none)`);
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Type: charset '${e.charset ?? 'unknown'}' is not supported`);
  }
  // The router could not decode a path parameter (`/customers/%E0%A4%A`).
  if (err instanceof URIError) return new AppError('BAD_REQUEST', 'path: malformed percent-encoding');
  // body-parser tags every read error with a `type` except what the decompressor throws
  // (zlib's "incorrect header check", brotli's "Decompression failed").
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (!e.type && status === 400 && encoding && encoding !== 'identity') {
    return new AppError('BAD_REQUEST', `body: is not valid ${encoding} data, as its Content-Encoding says`);
  }
  const code = CODE_BY_STATUS.get(status) ?? 'BAD_REQUEST';
  return new AppError(code, e.expose !== false && e.message ? `request: ${e.message}` : 'bad request');
}

/** 404 for anything no router claimed. */
export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}
