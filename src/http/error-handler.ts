import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** Maps every error to `{ error: { code, message } }`; 5xx messages never leak internals. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = toAppError(err);
    if (appError.status >= 500) logger.error({ err, path: req.path }, 'request failed');
    const body: Record<string, unknown> = { code: appError.code, message: appError.status >= 500 ? 'internal error' : appError.message };
    if (appError.details !== undefined && appError.status < 500) body.details = appError.details;
    res.status(appError.status).json({ error: body });
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const bp = err as BodyParserError;
  if (bp?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'request body too large');
  if (bp?.type === 'entity.parse.failed') return new AppError('BAD_REQUEST', 'body: malformed JSON');
  if (bp?.type && bp.status && bp.status < 500) return new AppError('BAD_REQUEST', `body: ${bp.message ?? 'unreadable'}`);
  return new AppError('INTERNAL', 'internal error');
}

/** 404 for anything no router claimed. */
export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
}
