import path from 'node:path';
import { buildApp, policySettings } from './app.js';
import { ConfigError, loadConfig, secretsPath } from './config.js';
import { openDatabase } from './db/client.js';
import { seedDemo } from './demo/seed.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/instruments.js';
import { createInProcessBus, createRedisBus } from './realtime/event-bus.js';
import { startHttpServer } from './server-http.js';

const root = path.resolve(import.meta.dirname, '..');
/** Past the grace period, how long requests in flight and the stores get before a forced exit. */
const DRAIN_CAP_EXTRA_MS = 15_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    schema: config.databaseSchema,
    timeoutMs: config.dbTimeoutMs,
    onConnectionError: (err) => logger.warn({ err }, 'database connection lost'),
  });
  const applied = await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  if (applied.length) logger.info({ applied }, 'migrations applied');
  // The first calls after a start find their connections open (the CRM lookup's budget is not spent on them).
  await db.warm().catch((err: unknown) => logger.warn({ err }, 'database connections not opened ahead'));

  const bus = config.redisUrl ? createRedisBus(config.redisUrl, logger) : createInProcessBus();
  const settings = policySettings(config);
  const built = buildApp({
    config,
    db: db.prisma,
    logger,
    bus,
    metrics: createMetrics({ processMetrics: true }),
    // Writes a store outage would lose wait here, on disk, and are replayed at the next start too.
    spoolDir: path.join(config.dataDir, 'spool'),
    spoolMaxBytes: config.spoolMaxBytes,
    ...settings,
    privacy: { ...settings.privacy, retentionIntervalMs: config.retentionIntervalMinutes * 60_000 },
  });
  const { services } = built;
  const seeded = config.seedDemo ? await seedDemo(services) : false;
  services.routing.start();
  services.analytics.start();
  const running = await startHttpServer(built, config.port);
  const port = (running.server.address() as { port: number }).port;
  const local = `http://localhost:${port}`;
  logger.info({ port, database: db.kind, seeded, seedDemo: config.seedDemo }, 'listening');
  if (config.databaseUrl && !config.seedDemo) logger.info('demo data not seeded (SEED_DEMO=1 seeds an empty database)');
  if (!config.databaseUrl) {
    console.log(`
  Contact center is up (embedded PostgreSQL in ${config.dataDir}; ${seeded ? 'demo data seeded' : config.seedDemo ? 'demo data already there' : 'no demo data: SEED_DEMO=0'}).

  Twilio Voice URL      POST ${config.publicBaseUrl}/webhooks/twilio/voice
  Status callback       POST ${config.publicBaseUrl}/webhooks/twilio/status
  Health                ${local}/healthz   ${local}/readyz
  Agent softphone       ${local}/agent   (token: npm run token -- --role agent --sub agent-sara)
  Supervisor console    ${local}/console   (token: npm run token -- --role supervisor, or --role admin to edit rules)

  Try a call            npm run simulate -- --from +966501234567 --digits 1,12345678#
                        npm run simulate -- --from 0551112233 --speech "billing please"
  Voice verification    npm run demo-vendor, restart with BIOMETRICS_VENDOR_URL set as it prints, then npm run simulate -- --voice
  Get an admin token    npm run token -- --role admin
  See the timeline      curl -H "Authorization: Bearer $(npm run -s token -- --role admin)" ${local}/api/customers/cust-1001/timeline

  Generated secrets (Twilio auth token, JWT secret) are in ${secretsPath(config.dataDir)};
  set TWILIO_AUTH_TOKEN / JWT_SECRET to use your own.
`);
  }

  // The drain: readiness 503 while serving on for the grace period (a load balancer moves
  // traffic away), then the listener closes, agent sockets are told to reconnect elsewhere,
  // requests in flight finish, and the stores close. The cap is for a request that never ends.
  const graceMs = config.drainGraceSeconds * 1000;
  const capMs = graceMs + DRAIN_CAP_EXTRA_MS;
  let stopping = false;
  const stop = (signal: string) => {
    // npm and tsx relay a Ctrl-C the terminal also sent: one drain, whatever the count.
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceSeconds: config.drainGraceSeconds }, 'draining: readiness 503, still serving');
    setTimeout(() => {
      logger.error({ capSeconds: capMs / 1000 }, 'drain did not finish: forced exit');
      process.exit(1);
    }, capMs).unref();
    void (async () => {
      await running.drain(graceMs);
      logger.info('listener closed, agent sockets sent elsewhere, requests answered');
      await built.shutdown();
      await bus.close();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    })().catch((err: unknown) => {
      logger.error({ err }, 'drain failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
