import { createPublicKey, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { findUnstorableText } from '../storable-text.js';

export const ZRole = z.enum(['agent', 'supervisor', 'admin', 'service']);
export type TRole = z.infer<typeof ZRole>;

export interface Principal {
  sub: string;
  role: TRole;
  /** What a service token may read (the `scope` claim, space-separated as in OAuth): e.g. `customers:read timeline:read`. */
  scopes?: string[];
}

// The subject is stored as who did what (audits, rule versions): text no store can hold is no valid subject.
const ZSubject = z.string().min(1).max(128).refine((sub) => !findUnstorableText(sub));
const ZClaims = z.object({ sub: ZSubject, role: ZRole, scope: z.string().max(1000).optional() });

/** The longest lifetime a token may have unless configured (JWT_MAX_LIFETIME_SECONDS). */
export const DEFAULT_MAX_LIFETIME_SECONDS = 24 * 3600;

export interface TokenVerifier {
  verify(token: string): Principal;
}

/**
 * HS256 with a shared secret, or RS256 with a public key (the issuer keeps the private key).
 * A token must say when it expires (`exp`), no later than `maxLifetimeSeconds` after it was
 * issued: a leaked token without one would open the API forever.
 */
export function createTokenVerifier(keys: { secret?: string; publicKey?: string; maxLifetimeSeconds?: number }): TokenVerifier {
  if (!keys.publicKey && !keys.secret) throw new Error('JWT_SECRET or JWT_PUBLIC_KEY is required');
  // A key object made once: given a string, jsonwebtoken first tries to parse it as a public
  // key on every verify and throws that away, which made each agent's handshake cost ~0.7 ms.
  const key = keys.publicKey ? createPublicKey(keys.publicKey) : createSecretKey(Buffer.from(keys.secret!, 'utf8'));
  const algorithms: jwt.Algorithm[] = keys.publicKey ? ['RS256'] : ['HS256'];
  const maxLifetime = keys.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  return {
    verify(token) {
      let payload: string | jwt.JwtPayload;
      try {
        payload = jwt.verify(token, key, { algorithms });
      } catch (err) {
        const expired = err instanceof jwt.TokenExpiredError;
        throw new AppError('UNAUTHORIZED', expired ? 'token expired' : 'invalid token');
      }
      // jsonwebtoken has already refused an exp that is not a number, but checks iat only for maxAge.
      if (typeof payload === 'string' || payload.exp === undefined) throw new AppError('UNAUTHORIZED', 'token has no expiry (exp)');
      if (payload.iat !== undefined && typeof payload.iat !== 'number') throw new AppError('UNAUTHORIZED', 'invalid token');
      // From when it was issued, or from now if it does not say or claims a time still to
      // come (a future iat would otherwise stretch a short-looking token's real life).
      const nowSeconds = Math.floor(Date.now() / 1000);
      const from = Math.min(payload.iat ?? nowSeconds, nowSeconds);
      if (payload.exp - from > maxLifetime) throw new AppError('UNAUTHORIZED', `token lives longer than the ${maxLifetime} s this service accepts`);
      const claims = ZClaims.safeParse(payload);
      if (!claims.success) throw new AppError('UNAUTHORIZED', 'token lacks a valid sub and role');
      const { scope, ...principal } = claims.data;
      return scope ? { ...principal, scopes: scope.split(/\s+/).filter(Boolean) } : principal;
    },
  };
}

/** Issues an HS256 token (local use and tests; production tokens come from the identity provider). */
export function signToken(secret: string, principal: Principal, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  const scope = principal.scopes?.length ? { scope: principal.scopes.join(' ') } : {};
  return jwt.sign({ role: principal.role, ...scope }, secret, { subject: principal.sub, algorithm: 'HS256', expiresIn });
}
