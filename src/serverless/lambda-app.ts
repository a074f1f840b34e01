import os from 'node:os';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import serverlessHttp from 'serverless-http';
import { buildApp, policySettings, type App } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/client.js';
import { createLogger, type Logger } from '../logger.js';
import { createAgentConnectionStore } from '../realtime/apigw-connections.js';
import { createApiGatewayPush } from '../realtime/apigw-push.js';
import { createApiGatewaySocket, type ApiGatewaySocket } from '../realtime/apigw-socket.js';
import { createInProcessBus, createRedisBus } from '../realtime/event-bus.js';
import { createSqsTimers, type SqsTimers } from './sqs-timers.js';
import { consumeTimerMessages } from './timer-consumer.js';

/** Connections per container. */
const LAMBDA_POOL_MAX = 4;

export type MaintenanceJob = 'kpi_rollup' | 'kpi_sweep' | 'retention';

/** The app as the Lambda entries (src/lambda.ts) see it: built once per container. */
export interface LambdaApp {
  built: App;
  http: ReturnType<typeof serverlessHttp>;
  socket: ApiGatewaySocket;
  /** The timer queue's batch (routing wake-ups, softphone greetings). */
  timers(event: SQSEvent): Promise<SQSBatchResponse>;
  /** The scheduled tick (EventBridge, every minute): what no wake-up asked for, and reconciliation. */
  tick(): Promise<void>;
  /** A scheduled job: the KPI rollup's tick (every minute) and sweep (hourly), the retention pass (hourly). */
  maintenance(job: MaintenanceJob): Promise<void>;
  /** Waits for work an answer started (a dispatch pass, its pops): a frozen function would finish it only at its next request. */
  settle(): Promise<void>;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Composes the same app as server.ts for Lambda: PostgreSQL only (there is no disk to embed
 * a database in), the Redis bus when REDIS_URL is set, pops pushed through API Gateway's
 * WebSocket API, routing's deadlines as SQS delay messages (no timers run between requests).
 * Migrations are not run here: `npm run migrate` with the same DATABASE_URL before deploying.
 */
export async function bootLambdaApp(environment: NodeJS.ProcessEnv, opts: { sqs?: SQSClient; now?: () => Date } = {}): Promise<LambdaApp> {
  // serverless.yml passes an optional variable nobody set as '': that is unset, not a malformed value.
  const env = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v.trim() !== ''));
  if (!env.DATABASE_URL) throw new ConfigError('invalid environment:\n  DATABASE_URL: required in Lambda (PostgreSQL; there is no disk for the embedded database)');
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const now = opts.now ?? (() => new Date());
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.databaseSchema,
    timeoutMs: config.dbTimeoutMs,
    onConnectionError: (err) => logger.warn({ err }, 'database connection lost'),
    // One request at a time per container (its reads may overlap): containers × 20 would exhaust the database.
    poolMax: LAMBDA_POOL_MAX,
  });
  const bus = config.redisUrl ? createRedisBus(config.redisUrl, logger) : createInProcessBus();
  const connections = createAgentConnectionStore(db.prisma);
  const push = createApiGatewayPush({ connections, logger });
  const queueUrl = config.serverless.timerQueueUrl;
  const timers: SqsTimers | undefined = queueUrl ? createSqsTimers({ sqs: opts.sqs ?? new SQSClient({ region: config.aws.region }), queueUrl, now }) : undefined;
  if (!timers) logger.warn('TIMER_QUEUE_URL unset: routing deadlines wait for the scheduled tick');
  const built = buildApp({
    config,
    db: db.prisma,
    logger,
    bus,
    now,
    push,
    timers,
    // Lambda's only writable disk: kept writes survive as long as the container.
    spoolDir: path.join(os.tmpdir(), 'cc-spool'),
    spoolMaxBytes: config.spoolMaxBytes,
    // As server.ts, less the timers: the retention pass and the KPI rollup run on schedules (maintenance()).
    ...policySettings(config),
  });
  const { softphones, services } = built;
  const socket = createApiGatewaySocket({
    ...softphones,
    connections,
    push,
    greetLater: timers?.greetLater,
    endpoint: config.serverless.agentWsEndpoint,
    logger,
    now,
  });
  const settle = () => built.settle();
  return {
    built,
    http: serverlessHttp(built.app),
    socket,
    timers: (event) => consumeTimerMessages({ tick: services.routing.tick, timers: timers ?? { wakeAt: async () => {} }, greet: socket.greet, now, logger }, event),
    tick: services.routing.tick,
    async maintenance(job) {
      if (job === 'kpi_rollup') await services.analytics.rollup.tick();
      else if (job === 'kpi_sweep') await services.analytics.rollup.sweep();
      else if (job === 'retention') logger.info({ report: await services.privacy.runRetention(now()) }, 'retention pass');
      else throw new Error(`unknown maintenance job '${String(job)}'`);
    },
    settle,
    logger,
    async close() {
      await built.shutdown();
      await bus.close();
      await db.close();
    },
  };
}
