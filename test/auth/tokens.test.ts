import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken } from '../../src/auth/tokens.js';
import { AppError } from '../../src/errors.js';

const SECRET = 'a-long-enough-shared-secret-for-tests';

function rejection(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the token to be rejected');
}

describe('token verification', () => {
  it('accepts a token it issued and returns who and what role', () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    expect(verifier.verify(signToken(SECRET, { sub: 'agent-7', role: 'agent' }))).toEqual({ sub: 'agent-7', role: 'agent' });
  });

  it('says an expired token is expired', () => {
    const verifier = createTokenVerifier({ secret: SECRET });
    const err = rejection(() => verifier.verify(jwt.sign({ role: 'admin' }, SECRET, { subject: 'u', expiresIn: -10 })));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toMatch(/expired/);
  });

  it.each([
    ['an unknown role', jwt.sign({ role: 'root' }, SECRET, { subject: 'u' })],
    ['no subject', jwt.sign({ role: 'admin' }, SECRET)],
    ['a different secret', jwt.sign({ role: 'admin' }, 'another-secret', { subject: 'u' })],
    ['an unsigned (alg none) token', jwt.sign({ role: 'admin' }, '', { subject: 'u', algorithm: 'none' })],
  ])('rejects a token with %s as unauthorized', (_label, token) => {
    expect(rejection(() => createTokenVerifier({ secret: SECRET }).verify(token)).code).toBe('UNAUTHORIZED');
  });

  it('with a public key accepts RS256 tokens from the identity provider and refuses HS256 ones signed with that key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createTokenVerifier({ publicKey: pem });
    const good = jwt.sign({ role: 'supervisor' }, privateKey, { subject: 'sup-1', algorithm: 'RS256' });
    expect(verifier.verify(good)).toEqual({ sub: 'sup-1', role: 'supervisor' });
    // Algorithm confusion: the public key is not secret, so it must never work as an HMAC key.
    const forgedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const forgedBody = Buffer.from(JSON.stringify({ sub: 'x', role: 'admin' })).toString('base64url');
    const sig = createHmac('sha256', pem).update(`${forgedHeader}.${forgedBody}`).digest('base64url');
    expect(rejection(() => verifier.verify(`${forgedHeader}.${forgedBody}.${sig}`)).code).toBe('UNAUTHORIZED');
  });
});
