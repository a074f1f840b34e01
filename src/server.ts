import path from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, secretsPath } from './config.js';
import { openDatabase } from './db/client.js';
import { seedDemo } from './demo/seed.js';
import { createLogger } from './logger.js';
import { createInProcessBus, createRedisBus } from './realtime/event-bus.js';
import { startHttpServer } from './server-http.js';

const root = path.resolve(import.meta.dirname, '..');

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
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema });
  const applied = await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  if (applied.length) logger.info({ applied }, 'migrations applied');

  const bus = config.redisUrl ? createRedisBus(config.redisUrl, logger) : createInProcessBus();
  const built = buildApp({ config, db: db.prisma, logger, bus });
  const { services, drain } = built;
  const seeded = await seedDemo(services);
  services.routing.start();
  const { server } = await startHttpServer(built, config.port);
  const port = (server.address() as { port: number }).port;
  const local = `http://localhost:${port}`;
  logger.info({ port, database: db.kind, seeded }, 'listening');
  if (!config.databaseUrl) {
    console.log(`
  Contact center is up (embedded PostgreSQL in ${config.dataDir}${seeded ? ', demo data seeded' : ''}).

  Twilio Voice URL      POST ${config.publicBaseUrl}/webhooks/twilio/voice
  Status callback       POST ${config.publicBaseUrl}/webhooks/twilio/status
  Health                ${local}/healthz   ${local}/readyz
  Agent softphone       ${local}/agent   (token: npm run token -- --role agent --sub agent-sara)

  Try a call            npm run simulate -- --from +966501234567 --digits 1,12345678#
                        npm run simulate -- --from 0551112233 --speech "billing please"
  Get an admin token    npm run token -- --role admin
  See the timeline      curl -H "Authorization: Bearer $(npm run -s token -- --role admin)" ${local}/api/customers/cust-1001/timeline

  Generated secrets (Twilio auth token, JWT secret) are in ${secretsPath(config.dataDir)};
  set TWILIO_AUTH_TOKEN / JWT_SECRET to use your own.
`);
  }

  // Graceful shutdown: stop taking work, let in-flight webhooks finish, then close the DB.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    drain();
    server.close(async () => {
      await built.shutdown();
      await bus.close();
      await db.close();
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.warn('forced exit after 20 s drain');
      process.exit(1);
    }, 20_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
