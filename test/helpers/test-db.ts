import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * The schema engine holds one server-wide advisory lock while it migrates and gives up
 * after 10 s; parallel test files would queue on it. Waiting on our own lock first (no
 * timeout) lets each file migrate in turn.
 */
async function oneAtATime(url: string, fn: () => Promise<unknown>): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('SELECT pg_advisory_lock(20261128)');
    try {
      await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(20261128)');
    }
  });
}

async function withClient(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A migrated, empty database for one test file: in-memory PGlite by default, or a fresh
 * schema in the PostgreSQL at TEST_DATABASE_URL (the service suite), dropped afterwards.
 */
export async function createTestDatabase(): Promise<Database & { url?: string; schema?: string; drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  const schema = url ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const db = await openDatabase({ databaseUrl: url, dataDir: '', memory: true, schema });
  const migrate = () => db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  if (url) await oneAtATime(url, migrate);
  else await migrate();
  return {
    ...db,
    url,
    schema,
    async drop() {
      // Its own connection: a test may have closed the app's pool to play a dead database.
      if (url && schema) await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
      await db.close().catch(() => {});
    },
  };
}
