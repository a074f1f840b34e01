// npm run migrate                -> apply pending migrations to the configured database
// npm run migrate:create -- NAME -> write prisma/migrations/<stamp>_NAME from schema changes
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { createMigration } from '../src/db/migrations.js';

const root = path.resolve(import.meta.dirname, '..');
const paths = { schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') };

const [command, name] = process.argv.slice(2);
const config = loadConfig(process.env);
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, memory: command === 'create' && !config.databaseUrl });
try {
  if (command === 'create') {
    if (!name) throw new Error('usage: npm run migrate:create -- NAME');
    const dir = await createMigration(db.adapter, { ...paths, name });
    console.log(dir ? `wrote ${path.relative(root, dir)}/migration.sql` : 'schema unchanged: no migration written');
  } else {
    const applied = await db.migrate(paths);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  }
} finally {
  await db.close();
}
