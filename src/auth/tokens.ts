import { createPublicKey, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError } from '../errors.js';

export const ZRole = z.enum(['agent', 'supervisor', 'admin', 'service']);
export type TRole = z.infer<typeof ZRole>;

export interface Principal {
  sub: string;
  role: TRole;
}

const ZClaims = z.object({ sub: z.string().min(1).max(128), role: ZRole });

export interface TokenVerifier {
  verify(token: string): Principal;
}

/** HS256 with a shared secret, or RS256 with a public key (the issuer keeps the private key). */
export function createTokenVerifier(keys: { secret?: string; publicKey?: string }): TokenVerifier {
  if (!keys.publicKey && !keys.secret) throw new Error('JWT_SECRET or JWT_PUBLIC_KEY is required');
  // A key object made once: given a string, jsonwebtoken first tries to parse it as a public
  // key on every verify and throws that away, which made each agent's handshake cost ~0.7 ms.
  const key = keys.publicKey ? createPublicKey(keys.publicKey) : createSecretKey(Buffer.from(keys.secret!, 'utf8'));
  const algorithms: jwt.Algorithm[] = keys.publicKey ? ['RS256'] : ['HS256'];
  return {
    verify(token) {
      let payload: unknown;
      try {
        payload = jwt.verify(token, key, { algorithms });
      } catch (err) {
        const expired = err instanceof jwt.TokenExpiredError;
        throw new AppError('UNAUTHORIZED', expired ? 'token expired' : 'invalid token');
      }
      const claims = ZClaims.safeParse(payload);
      if (!claims.success) throw new AppError('UNAUTHORIZED', 'token lacks a valid sub and role');
      return claims.data;
    },
  };
}

/** Issues an HS256 token (local use and tests; production tokens come from the identity provider). */
export function signToken(secret: string, principal: Principal, expiresIn: jwt.SignOptions['expiresIn'] = '12h'): string {
  return jwt.sign({ role: principal.role }, secret, { subject: principal.sub, algorithm: 'HS256', expiresIn });
}
