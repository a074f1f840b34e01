import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrations.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * A migrated, empty database for one test file: in-memory PGlite by default, or a fresh
 * schema in the PostgreSQL at TEST_DATABASE_URL (the service suite), dropped afterwards.
 */
export async function createTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const url = process.env.TEST_DATABASE_URL;
  const schema = url ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const db = await openDatabase({ databaseUrl: url, dataDir: '', memory: true, schema });
  await applyMigrations(db.adapter, { schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  return {
    ...db,
    async drop() {
      if (schema) await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
      await db.close();
    },
  };
}
