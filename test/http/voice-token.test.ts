import { Writable } from 'node:stream';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

const VOICE = { apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: 'voice-api-secret-0123456789', twimlAppSid: 'AP0123456789abcdef0123456789abcdef' };

let t: TestApp;
let unconfigured: TestApp;
const logged: string[] = [];
const unconfiguredLog: string[] = [];
const get = (app: TestApp, token?: string) => {
  const req = request(app.app).get('/api/voice/token');
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

beforeAll(async () => {
  const logger = pino({ level: 'trace' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) }));
  t = await createTestApp({ publishDemoFlow: false, twilioVoice: VOICE, logger });
  await t.services.agents.upsert('sara', { name: 'Sara', languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('omar', { name: 'Omar', languages: ['en'] });
  unconfigured = await createTestApp({ publishDemoFlow: false, logger: pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (unconfiguredLog.push(chunk.toString()), done()) })) });
  await unconfigured.services.agents.upsert('sara', { name: 'Sara', languages: ['ar'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await t?.close();
  await unconfigured?.close();
});

describe('GET /api/voice/token', () => {
  it("gives an agent a Twilio Access Token with a Voice grant for their twilioIdentity, signed with the API key's secret", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await get(t, t.token('agent', 'sara')).expect(200);
    const after = Math.floor(Date.now() / 1000);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'identity', 'token']);
    expect(res.body.identity).toBe('client-sara');

    // What Twilio checks: signed with the API key's secret (HS256), issued by the key, for the account.
    const claims = jwt.verify(res.body.token, VOICE.apiSecret, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    expect(claims.iss).toBe(VOICE.apiKey);
    expect(claims.sub).toBe(TEST_CONFIG.twilio.accountSid);
    expect(claims.grants).toEqual({
      identity: 'client-sara',
      voice: { incoming: { allow: true }, outgoing: { application_sid: VOICE.twimlAppSid } },
    });
    expect(jwt.decode(res.body.token, { complete: true })?.header).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
    // An hour's life, on the wall clock Twilio checks (not the app's test clock).
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(after);
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(res.body.expiresAt).toBe(new Date(claims.exp! * 1000).toISOString());
    // Not signed with anything else: our JWT secret or the auth token do not verify it.
    expect(() => jwt.verify(res.body.token, TEST_CONFIG.jwt.secret)).toThrow(/invalid signature/);
    expect(() => jwt.verify(res.body.token, TEST_CONFIG.twilio.authToken)).toThrow(/invalid signature/);
    // A credential: never in the log.
    expect(logged.join('')).not.toContain(res.body.token);
    expect(logged.join('')).not.toContain(res.body.token.split('.')[2]);
  });

  it('answers 409 NO_VOICE_IDENTITY to an agent whose profile has no twilioIdentity, 404 to an agent with no profile', async () => {
    const res = await get(t, t.token('agent', 'omar')).expect(409);
    expect(res.body.error).toEqual({ code: 'NO_VOICE_IDENTITY', message: expect.stringContaining('twilioIdentity') });
    expect((await get(t, t.token('agent', 'nobody')).expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('is for agents only: 401 without a token or with a bad one, 403 for a supervisor or an admin', async () => {
    expect((await get(t).expect(401)).body.error.code).toBe('UNAUTHORIZED');
    expect((await get(t, 'not.a.token').expect(401)).body.error.code).toBe('UNAUTHORIZED');
    expect((await get(t, t.token('supervisor', 'sara')).expect(403)).body.error.code).toBe('FORBIDDEN');
    expect((await get(t, t.token('admin', 'sara')).expect(403)).body.error.code).toBe('FORBIDDEN');
  });

  it('answers 503 VOICE_NOT_CONFIGURED when the server has no API key and TwiML app, naming the variables', async () => {
    const res = await get(unconfigured, unconfigured.token('agent', 'sara')).expect(503);
    expect(res.body.error.code).toBe('VOICE_NOT_CONFIGURED');
    expect(res.body.error.message).toContain('TWILIO_API_KEY');
    // How this server is set up, answered at every softphone sign-in: not an error in the log.
    expect(unconfiguredLog.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
    // The guard still comes first.
    await get(unconfigured).expect(401);
    await get(unconfigured, unconfigured.token('supervisor', 'boss')).expect(403);
  });

  it("follows the agent's identity when an admin changes it", async () => {
    const admin = `Bearer ${t.token('admin', 'boss')}`;
    await request(t.app).put('/api/agents/omar').set('Authorization', admin).send({ name: 'Omar', languages: ['en'], twilioIdentity: 'omar.desk-2' }).expect(200);
    const res = await get(t, t.token('agent', 'omar')).expect(200);
    expect(res.body.identity).toBe('omar.desk-2');
    expect((jwt.verify(res.body.token, VOICE.apiSecret) as jwt.JwtPayload).grants.identity).toBe('omar.desk-2');
  });
});
