import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier, signToken } from '../../src/auth/tokens.js';
import { AppError } from '../../src/errors.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent } from '../helpers/agent-socket.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

const SECRET = 'a-long-enough-shared-secret-for-tests';
const now = () => Math.floor(Date.now() / 1000);
const HOUR = 3600;

/** An HS256 token with claims jsonwebtoken's sign() would refuse to write. */
function handMade(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

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
    ['an unknown role', jwt.sign({ role: 'root' }, SECRET, { subject: 'u', expiresIn: '1h' })],
    ['no subject', jwt.sign({ role: 'admin' }, SECRET, { expiresIn: '1h' })],
    ['a different secret', jwt.sign({ role: 'admin' }, 'another-secret', { subject: 'u', expiresIn: '1h' })],
    ['an unsigned (alg none) token', jwt.sign({ role: 'admin' }, '', { subject: 'u', algorithm: 'none', expiresIn: '1h' })],
    ['an issue time that is not a number', handMade({ sub: 'u', role: 'admin', iat: 'yesterday', exp: now() + HOUR })],
    // The subject is written as who did what (audits, rule versions): text no store can hold was a 500 there.
    ['a NUL byte in the subject', jwt.sign({ role: 'admin' }, SECRET, { subject: 'adm\u0000in', expiresIn: '1h' })],
    ['a lone surrogate in the subject', jwt.sign({ role: 'agent' }, SECRET, { subject: 'no\ud800ura', expiresIn: '1h' })],
  ])('rejects a token with %s as unauthorized', (_label, token) => {
    expect(rejection(() => createTokenVerifier({ secret: SECRET }).verify(token)).code).toBe('UNAUTHORIZED');
  });

  it('with a public key accepts RS256 tokens from the identity provider and refuses HS256 ones signed with that key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const verifier = createTokenVerifier({ publicKey: pem });
    const good = jwt.sign({ role: 'supervisor' }, privateKey, { subject: 'sup-1', algorithm: 'RS256', expiresIn: '8h' });
    expect(verifier.verify(good)).toEqual({ sub: 'sup-1', role: 'supervisor' });
    // Algorithm confusion: the public key is not secret, so it must never work as an HMAC key.
    const forgedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const forgedBody = Buffer.from(JSON.stringify({ sub: 'x', role: 'admin' })).toString('base64url');
    const sig = createHmac('sha256', pem).update(`${forgedHeader}.${forgedBody}`).digest('base64url');
    expect(rejection(() => verifier.verify(`${forgedHeader}.${forgedBody}.${sig}`)).code).toBe('UNAUTHORIZED');
  });
});

describe('token lifetime', () => {
  const sign = (claims: Record<string, unknown>, opts: jwt.SignOptions = {}) => jwt.sign({ role: 'admin', ...claims }, SECRET, { subject: 'u', ...opts });

  it('refuses a token that never expires, whatever else is right about it', () => {
    const err = rejection(() => createTokenVerifier({ secret: SECRET }).verify(sign({})));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toMatch(/no expiry \(exp\)/);
  });

  it.each([
    ['issued now for 25 hours', { iat: now(), exp: now() + 25 * HOUR }],
    ['issued a day ago for a year', { iat: now() - 24 * HOUR, exp: now() + 364 * 24 * HOUR }],
    ['with no issue time and 25 hours left', { exp: now() + 25 * HOUR }],
    ['claiming to be issued in ten years, for an hour', { iat: now() + 10 * 365 * 24 * HOUR, exp: now() + 10 * 365 * 24 * HOUR + HOUR }],
  ])('refuses a token %s by default (24 h at most)', (_label, claims) => {
    const err = rejection(() => createTokenVerifier({ secret: SECRET }).verify(sign(claims, { noTimestamp: !('iat' in claims) })));
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.message).toMatch(/86400 s/);
  });

  it.each([
    ['of exactly 24 hours', { iat: now(), exp: now() + 24 * HOUR }],
    ['issued 23 hours ago for 24', { iat: now() - 23 * HOUR, exp: now() + HOUR }],
    ['with no issue time and an hour left', { exp: now() + HOUR }],
  ])('accepts a token %s', (_label, claims) => {
    expect(createTokenVerifier({ secret: SECRET }).verify(sign(claims, { noTimestamp: !('iat' in claims) }))).toEqual({ sub: 'u', role: 'admin' });
  });

  it('holds tokens to a configured maximum', () => {
    const verifier = createTokenVerifier({ secret: SECRET, maxLifetimeSeconds: HOUR });
    expect(verifier.verify(sign({}, { expiresIn: HOUR }))).toEqual({ sub: 'u', role: 'admin' });
    expect(rejection(() => verifier.verify(sign({}, { expiresIn: 2 * HOUR }))).message).toMatch(/3600 s/);
    // The tokens tests and scripts/token.ts make by default (12 h) are within the default.
    expect(createTokenVerifier({ secret: SECRET }).verify(signToken(SECRET, { sub: 'u', role: 'admin' }))).toEqual({ sub: 'u', role: 'admin' });
  });
});

describe('a token without an expiry, or living too long, where tokens are used', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    t = await createTestApp({ publishDemoFlow: false });
    server = await startHttpServer(t);
    await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar'] });
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  const forever = (role: string, sub: string) => jwt.sign({ role }, TEST_CONFIG.jwt.secret, { subject: sub });
  const forAWeek = (role: string, sub: string) => jwt.sign({ role }, TEST_CONFIG.jwt.secret, { subject: sub, expiresIn: '7d' });

  it.each([
    ['no expiry', forever],
    ['a week of life', forAWeek],
  ])('answers an API call bearing a token with %s with 401, and writes nothing', async (_label, token) => {
    const res = await request(t.app)
      .put('/api/customers/cust-forever')
      .set('Authorization', `Bearer ${token('admin', 'u1')}`)
      .send({ name: 'X', phones: ['0501234567'] });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(await t.db.prisma.customer.findUnique({ where: { id: 'cust-forever' } })).toBeNull();
  });

  it.each([
    ['no expiry', forever],
    ['a week of life', forAWeek],
  ])('refuses the agent socket upgrade for a token with %s with 401', async (_label, token) => {
    const attempt = await connectAgent(server.url, token('agent', 'sara')).catch((e: { statusCode?: number }) => e);
    expect(attempt).toMatchObject({ statusCode: 401 });
    // The same agent with an ordinary token gets in.
    const s = await connectAgent(server.url, t.token('agent', 'sara'));
    await s.next((m) => m.type === 'hello');
    await s.close();
  });
});
