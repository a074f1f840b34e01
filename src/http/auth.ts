import type { NextFunction, Request, Response } from 'express';
import type { Principal, TokenVerifier, TRole } from '../auth/tokens.js';
import { AppError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Bearer-token guard: 401 without a valid token, 403 when the role is not allowed. */
export function requireRole(verifier: TokenVerifier, ...roles: TRole[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return next(new AppError('UNAUTHORIZED', 'missing bearer token'));
    const principal = verifier.verify(match[1]);
    if (!roles.includes(principal.role)) return next(new AppError('FORBIDDEN', `role '${principal.role}' may not do this`));
    req.principal = principal;
    next();
  };
}
