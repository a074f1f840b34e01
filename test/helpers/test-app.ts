import twilio from 'twilio';
import pino from 'pino';
import request from 'supertest';
import { buildApp, type App, type AppDeps } from '../../src/app.js';
import { signToken, type TRole } from '../../src/auth/tokens.js';
import type { TwilioVoiceConfig } from '../../src/config.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { createTestDatabase } from './test-db.js';

export const TEST_CONFIG = {
  publicBaseUrl: 'https://cc.example.test',
  twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'test-auth-token-0123456789', callerId: '+966920000000' },
  jwt: { secret: 'test-jwt-secret-that-is-long-enough' },
  crmLookupBudgetMs: 400,
};

/** A Sunday 10:00 in Riyadh: the demo flow's hours are open. */
export const OPEN_HOURS = new Date('2026-11-29T07:00:00Z');

export interface TestApp extends App {
  db: Awaited<ReturnType<typeof createTestDatabase>>;
  clock: { now: Date };
  token(role: TRole, sub?: string): string;
  close(): Promise<void>;
}

/** The whole app in-process on a fresh database, with the demo IVR flow published. */
export async function createTestApp(
  opts: {
    publishDemoFlow?: boolean;
    crmLookupBudgetMs?: number;
    twilioApiBaseUrl?: string;
    /** The softphones' Voice SDK tokens (TWILIO_API_KEY…); unset: GET /api/voice/token answers 503. */
    twilioVoice?: TwilioVoiceConfig;
    routingOptions?: AppDeps['routingOptions'];
    /** A voice-biometrics vendor (test/helpers/fake-biometrics-vendor.ts); none by default. */
    biometrics?: AppDeps['config']['biometrics'];
    voiceOptions?: AppDeps['voiceOptions'];
    logger?: AppDeps['logger'];
    /** The supervisors' live view (alert thresholds, a manual clock for its throttle). */
    supervisor?: AppDeps['supervisor'];
    /** Lambda mode's parts: routing's platform wake-ups, API Gateway's push. */
    timers?: AppDeps['timers'];
    push?: AppDeps['push'];
    /** Frames an agent's sockets may send (default DEFAULT_FRAME_LIMITS). */
    frameLimits?: AppDeps['frameLimits'];
    /** Twilio Media Streams' limits (default: the module's, 5 s to start, 10 s idle). */
    mediaStreamLimits?: AppDeps['mediaStreamLimits'];
  } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const clock = { now: OPEN_HOURS };
  const built = buildApp({
    config: {
      ...TEST_CONFIG,
      crmLookupBudgetMs: opts.crmLookupBudgetMs ?? TEST_CONFIG.crmLookupBudgetMs,
      // No test may reach the real api.twilio.com: unset, requests go to a closed local port.
      twilio: { ...TEST_CONFIG.twilio, apiBaseUrl: opts.twilioApiBaseUrl ?? 'http://127.0.0.1:9', ...(opts.twilioVoice ? { voice: opts.twilioVoice } : {}) },
      biometrics: opts.biometrics,
    },
    routingOptions: opts.routingOptions,
    supervisor: opts.supervisor,
    voiceOptions: opts.voiceOptions,
    timers: opts.timers,
    push: opts.push,
    frameLimits: opts.frameLimits,
    mediaStreamLimits: opts.mediaStreamLimits,
    // Generous: a loaded CI machine must not turn a slow test into the degraded path.
    // test/webhooks/twilio/degraded.test.ts checks the real budget.
    answerBudgetMs: 10_000,
    db: db.prisma,
    logger: opts.logger ?? pino({ level: 'silent' }),
    now: () => clock.now,
  });
  if (opts.publishDemoFlow !== false) await built.services.flows.publish('main', demoFlowDefinition, { comment: 'test' });
  return {
    ...built,
    db,
    clock,
    token: (role, sub = `test-${role}`) => signToken(TEST_CONFIG.jwt.secret, { sub, role }),
    close: () => db.drop(),
  };
}

/** Posts a Twilio webhook signed exactly as Twilio signs it (public URL + form params). */
export function postTwilio(app: App['app'], pathAndQuery: string, params: Record<string, string>, opts: { signature?: string | null } = {}) {
  const signature =
    opts.signature === undefined ? twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, TEST_CONFIG.publicBaseUrl + pathAndQuery, params) : opts.signature;
  const req = request(app).post(pathAndQuery).type('form').send(params);
  return signature === null ? req : req.set('X-Twilio-Signature', signature);
}

let sidCounter = 0;
/** A fresh, valid-looking Twilio call SID. */
export function newCallSid(): string {
  sidCounter += 1;
  return `CA${sidCounter.toString(16).padStart(8, '0')}${'0'.repeat(24)}`;
}
