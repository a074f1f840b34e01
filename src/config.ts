import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION, type RetentionPolicy } from './privacy/retention-policy.js';
import type { AlertPolicy } from './supervisor/alerts.js';

const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

// `PORT=` in an env file means "unset"; coerced as-is it would become 0 (a random port).
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const ZEnv = z.object({
  PORT: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(3000)),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/i, 'must look like AC followed by 32 hex digits').optional(),
  TWILIO_AUTH_TOKEN: optional,
  JWT_SECRET: optional,
  JWT_PUBLIC_KEY: optional,
  JWT_MAX_LIFETIME_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(60).max(30 * 24 * 3600).default(24 * 3600)),
  AWS_REGION: optional,
  CONNECT_INSTANCE_ID: optional,
  CONNECT_CALLBACK_FLOW_ID: z.preprocess(blankAsUnset, z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a contact flow id (a UUID, not its ARN)').optional()),
  BIOMETRICS_VENDOR_URL: z.url().optional(),
  BIOMETRICS_WEBHOOK_SECRET: optional,
  BIOMETRICS_DEADLINE_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(30_000).default(2500)),
  VERIFY_SPEECH_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(120).default(10)),
  ENROL_SPEECH_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(300).default(30)),
  TZ_BUSINESS: z
    .string()
    .default('Asia/Riyadh')
    .refine((tz) => isTimeZone(tz), 'must be an IANA time zone such as Asia/Riyadh'),
  TWILIO_API_BASE_URL: z.url().optional(),
  TWILIO_CALLER_ID: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +966920000000').optional(),
  // The softphone's audio (README: "Audio in the browser"): an API key and the TwiML app its outgoing calls use.
  TWILIO_API_KEY: z.preprocess(blankAsUnset, z.string().regex(/^SK[0-9a-f]{32}$/i, 'must be an API key SID: SK followed by 32 hex digits').optional()),
  TWILIO_API_SECRET: optional,
  TWILIO_TWIML_APP_SID: z.preprocess(blankAsUnset, z.string().regex(/^AP[0-9a-f]{32}$/i, 'must be a TwiML app SID: AP followed by 32 hex digits').optional()),
  // A test hook: host:port of a stand-in for Twilio's signalling gateway (the page connects to wss://<it>/signal).
  TWILIO_VOICE_SIGNALLING_HOST: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/, 'must be host or host:port, no scheme or path').optional()),
  OFFER_TIMEOUT_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(3).max(300).default(15)),
  CRM_LOOKUP_BUDGET_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(5000).default(400)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DRAIN_GRACE_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(600).default(10)),
  // Demo data: on by default only in embedded mode; a production database is never seeded unasked.
  SEED_DEMO: z.preprocess(blankAsUnset, z.enum(['0', '1', 'true', 'false']).optional()),
  DB_TIMEOUT_MS: z.preprocess(blankAsUnset, z.coerce.number().int().min(100).max(120_000).default(5000)),
  SPOOL_MAX_MB: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(10_240).default(64)),
  METRICS_TOKEN: optional,
  // Data protection (README: "Data protection"): days each kind is kept, how often the job runs, agents' read window.
  RETENTION_AGENT_MESSAGES_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.agentMessagesDays)),
  RETENTION_IVR_INPUTS_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.ivrInputsDays)),
  RETENTION_INTERACTION_TEXTS_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.interactionTextsDays)),
  RETENTION_CALL_EVENTS_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.callEventsDays)),
  RETENTION_SPOOL_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.spoolDays)),
  RETENTION_AUDIT_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.auditDays)),
  RETENTION_ACCESS_LOG_DAYS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(36_500).default(DEFAULT_RETENTION.accessLogDays)),
  RETENTION_INTERVAL_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(24 * 60).default(60)),
  AGENT_ACCESS_HOURS: z.preprocess(blankAsUnset, z.coerce.number().min(0).max(24 * 365).default(24)),
  // KPIs (README: "KPIs"): short-abandon threshold, service-level thresholds ("20" or "20,billing=30,vip=10"), the rollup's tick.
  KPI_SHORT_ABANDON_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(600).default(5)),
  KPI_SERVICE_LEVEL_SECONDS: z.preprocess(blankAsUnset, z.string().regex(/^\d{1,4}(,[a-z0-9_-]{1,64}=\d{1,4})*$/, 'must be seconds, then queue=seconds pairs, such as 20,billing=30').default('20')),
  KPI_ROLLUP_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(3600).default(15)),
  // Supervisor alerts (README: "Supervisor console").
  ALERT_LONG_WAIT_SECONDS: z.preprocess(blankAsUnset, z.coerce.number().int().min(10).max(3600).default(120)),
  ALERT_SERVICE_LEVEL_TARGET: z.preprocess(blankAsUnset, z.coerce.number().min(0).max(1).default(0.8)),
  ALERT_SERVICE_LEVEL_MIN_CALLS: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(10_000).default(5)),
  ALERT_CRISIS_INTENTS: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$/, 'must be intents separated by commas').default('crisis')),
  ALERT_HIGH_VALUE_AMOUNT: z.preprocess(blankAsUnset, z.coerce.number().min(0).default(100_000)),
  ALERT_HIGH_VALUE_TIERS: z.preprocess(blankAsUnset, z.string().regex(/^[A-Za-z0-9_-]*(,[A-Za-z0-9_-]+)*$/, 'must be tiers separated by commas').default('platinum')),
  ALERT_EVENT_MINUTES: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(24 * 60).default(60)),
  // Lambda only: the SQS queue of routing's wake-ups, and the WebSocket API's Management endpoint when it is not https://{domain}/{stage}.
  TIMER_QUEUE_URL: z.url({ protocol: /^https?$/ }).optional(),
  AGENT_WS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

/** "20,billing=30": every queue 20 s but billing 30 s. */
function serviceLevels(spec: string): { serviceLevelSeconds: number; serviceLevelByQueue: Record<string, number> } {
  const [all, ...pairs] = spec.split(',');
  return { serviceLevelSeconds: Number(all), serviceLevelByQueue: Object.fromEntries(pairs.map((p) => p.split('=')).map(([q, s]) => [q!, Number(s)])) };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export interface Config {
  port: number;
  publicBaseUrl: string;
  databaseUrl?: string;
  databaseSchema?: string;
  dataDir: string;
  redisUrl?: string;
  /**
   * apiBaseUrl: a stand-in for api.twilio.com (tests, local dev); callerId: the number callbacks come from;
   * voice: what the softphones' access tokens are signed with (unset: no audio in the browser).
   */
  twilio: { accountSid: string; authToken: string; apiBaseUrl?: string; callerId: string; voice?: TwilioVoiceConfig };
  /** maxLifetimeSeconds: the longest exp - iat a token may have (`createTokenVerifier` defaults it to 24 h). */
  jwt: { secret?: string; publicKey?: string; maxLifetimeSeconds?: number };
  /** connectCallbackFlowId: the contact flow an accepted Connect callback runs (unset: no callbacks). */
  aws: { region?: string; connectInstanceId?: string; connectCallbackFlowId?: string };
  /**
   * The voice-biometrics vendor (unset URL: no voice verification, the IVR uses the PIN).
   * deadlineMs: one vendor request, connect to answer; *SpeechSeconds: net speech collected
   * from a media stream before it is sent (Voice ID used about 10 s to verify, 30 s to enrol).
   */
  biometrics: { vendorUrl?: string; webhookSecret?: string; deadlineMs: number; verifySpeechSeconds: number; enrolSpeechSeconds: number };
  businessTimeZone: string;
  crmLookupBudgetMs: number;
  /** How long an agent has to accept an offered call. */
  offerTimeoutSeconds: number;
  logLevel: string;
  /** After SIGTERM: how long the node keeps serving, readiness 503, before it closes its listener and sockets. */
  drainGraceSeconds: number;
  /** PostgreSQL: a statement or connection attempt with no answer past this fails. */
  dbTimeoutMs: number;
  /** Seed demo customers, agents, a 24/7 flow and rules into an empty database. */
  seedDemo: boolean;
  /** The outage spool's size limit (DATA_DIR/spool). */
  spoolMaxBytes: number;
  /** When set, GET /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Days each kind of personal data is kept (RETENTION_*_DAYS). */
  retention: RetentionPolicy;
  /** How often a server runs the retention job (0: never; a scheduled function does it under serverless). */
  retentionIntervalMinutes: number;
  /** How long after a call with a customer an agent may still read them. */
  agentAccessHours: number;
  /** KPI thresholds and the rollup's tick (KPI_*); reports use businessTimeZone. */
  kpi: { shortAbandonSeconds: number; serviceLevelSeconds: number; serviceLevelByQueue: Record<string, number>; rollupSeconds: number };
  /** What raises a supervisor alert (ALERT_*). */
  alerts: AlertPolicy;
  /** Lambda: routing's SQS timer queue; the agent WebSocket API's Management endpoint override (serverless-offline, custom domains). */
  serverless: { timerQueueUrl?: string; agentWsEndpoint?: string };
}

/**
 * The softphone's Twilio Voice SDK: tokens are signed with an API key (never the auth token)
 * and name the TwiML app its outgoing calls run. signallingHost is a test hook only: a
 * stand-in for Twilio's signalling gateway the page registers with instead of Twilio's edge.
 */
export interface TwilioVoiceConfig {
  apiKey: string;
  apiSecret: string;
  twimlAppSid: string;
  signallingHost?: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment once. A malformed variable fails with its name; secrets that are
 * unset are generated into DATA_DIR only in embedded mode (no DATABASE_URL), so a
 * production deployment can never run on a secret nobody chose.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const embedded = !e.DATABASE_URL;
  const stored = embedded ? loadOrCreateSecrets(e.DATA_DIR) : undefined;
  const authToken = e.TWILIO_AUTH_TOKEN ?? stored?.twilioAuthToken;
  const jwtSecret = e.JWT_SECRET ?? (e.JWT_PUBLIC_KEY ? undefined : stored?.jwtSecret);
  const missing = [
    !authToken && 'TWILIO_AUTH_TOKEN',
    !jwtSecret && !e.JWT_PUBLIC_KEY && 'JWT_SECRET or JWT_PUBLIC_KEY',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(`invalid environment:\n${missing.map((m) => `  ${m}: required when DATABASE_URL is set`).join('\n')}`);
  }
  // Half a voice setup would answer every softphone 503 with no hint why; and a token for a
  // generated account SID is one Twilio refuses.
  const voiceVars = { TWILIO_API_KEY: e.TWILIO_API_KEY, TWILIO_API_SECRET: e.TWILIO_API_SECRET, TWILIO_TWIML_APP_SID: e.TWILIO_TWIML_APP_SID };
  const voiceSet = Object.entries(voiceVars).filter(([, v]) => v !== undefined);
  if (voiceSet.length > 0) {
    const absent = [...Object.entries(voiceVars).filter(([, v]) => v === undefined).map(([name]) => name), ...(e.TWILIO_ACCOUNT_SID ? [] : ['TWILIO_ACCOUNT_SID'])];
    if (absent.length > 0) {
      throw new ConfigError(`invalid environment:\n${absent.map((name) => `  ${name}: required when ${voiceSet.map(([n]) => n).join(', ')} ${voiceSet.length > 1 ? 'are' : 'is'} set`).join('\n')}`);
    }
  }
  // Every vendor request and callback is signed: a vendor without the shared secret could not be trusted.
  if (e.BIOMETRICS_VENDOR_URL && !e.BIOMETRICS_WEBHOOK_SECRET) {
    throw new ConfigError('invalid environment:\n  BIOMETRICS_WEBHOOK_SECRET: required when BIOMETRICS_VENDOR_URL is set');
  }
  return {
    port: e.PORT,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    dataDir: path.resolve(e.DATA_DIR),
    redisUrl: e.REDIS_URL,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID ?? stored?.twilioAccountSid ?? 'AC00000000000000000000000000000000',
      authToken: authToken!,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      callerId: e.TWILIO_CALLER_ID ?? '+966920000000',
      ...(e.TWILIO_API_KEY && e.TWILIO_API_SECRET && e.TWILIO_TWIML_APP_SID
        ? { voice: { apiKey: e.TWILIO_API_KEY, apiSecret: e.TWILIO_API_SECRET, twimlAppSid: e.TWILIO_TWIML_APP_SID, signallingHost: e.TWILIO_VOICE_SIGNALLING_HOST } }
        : {}),
    },
    jwt: { secret: jwtSecret, publicKey: e.JWT_PUBLIC_KEY?.replace(/\\n/g, '\n'), maxLifetimeSeconds: e.JWT_MAX_LIFETIME_SECONDS },
    aws: { region: e.AWS_REGION, connectInstanceId: e.CONNECT_INSTANCE_ID, connectCallbackFlowId: e.CONNECT_CALLBACK_FLOW_ID },
    biometrics: {
      vendorUrl: e.BIOMETRICS_VENDOR_URL,
      webhookSecret: e.BIOMETRICS_WEBHOOK_SECRET,
      deadlineMs: e.BIOMETRICS_DEADLINE_MS,
      verifySpeechSeconds: e.VERIFY_SPEECH_SECONDS,
      enrolSpeechSeconds: e.ENROL_SPEECH_SECONDS,
    },
    businessTimeZone: e.TZ_BUSINESS,
    crmLookupBudgetMs: e.CRM_LOOKUP_BUDGET_MS,
    offerTimeoutSeconds: e.OFFER_TIMEOUT_SECONDS,
    logLevel: e.LOG_LEVEL,
    drainGraceSeconds: e.DRAIN_GRACE_SECONDS,
    dbTimeoutMs: e.DB_TIMEOUT_MS,
    seedDemo: e.SEED_DEMO === undefined ? embedded : e.SEED_DEMO === '1' || e.SEED_DEMO === 'true',
    spoolMaxBytes: e.SPOOL_MAX_MB * 1024 * 1024,
    metricsToken: e.METRICS_TOKEN,
    retention: {
      agentMessagesDays: e.RETENTION_AGENT_MESSAGES_DAYS,
      ivrInputsDays: e.RETENTION_IVR_INPUTS_DAYS,
      interactionTextsDays: e.RETENTION_INTERACTION_TEXTS_DAYS,
      callEventsDays: e.RETENTION_CALL_EVENTS_DAYS,
      spoolDays: e.RETENTION_SPOOL_DAYS,
      auditDays: e.RETENTION_AUDIT_DAYS,
      accessLogDays: e.RETENTION_ACCESS_LOG_DAYS,
    },
    retentionIntervalMinutes: e.RETENTION_INTERVAL_MINUTES,
    agentAccessHours: e.AGENT_ACCESS_HOURS,
    kpi: { shortAbandonSeconds: e.KPI_SHORT_ABANDON_SECONDS, ...serviceLevels(e.KPI_SERVICE_LEVEL_SECONDS), rollupSeconds: e.KPI_ROLLUP_SECONDS },
    alerts: {
      longWaitSeconds: e.ALERT_LONG_WAIT_SECONDS,
      serviceLevelTarget: e.ALERT_SERVICE_LEVEL_TARGET,
      serviceLevelMinCalls: e.ALERT_SERVICE_LEVEL_MIN_CALLS,
      crisisIntents: e.ALERT_CRISIS_INTENTS.split(','),
      highValueAmount: e.ALERT_HIGH_VALUE_AMOUNT,
      highValueTiers: e.ALERT_HIGH_VALUE_TIERS.split(',').filter(Boolean),
      eventAlertMinutes: e.ALERT_EVENT_MINUTES,
    },
    serverless: { timerQueueUrl: e.TIMER_QUEUE_URL, agentWsEndpoint: e.AGENT_WS_ENDPOINT?.replace(/\/+$/, '') },
  };
}

interface StoredSecrets {
  twilioAuthToken: string;
  twilioAccountSid: string;
  jwtSecret: string;
}

/** Path of the generated secrets file in embedded mode. */
export function secretsPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'secrets.json');
}

function loadOrCreateSecrets(dataDir: string): StoredSecrets {
  const file = secretsPath(dataDir);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
  const secrets: StoredSecrets = {
    twilioAuthToken: randomBytes(16).toString('hex'),
    twilioAccountSid: `AC${randomBytes(16).toString('hex')}`,
    jwtSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
