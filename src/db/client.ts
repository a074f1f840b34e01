import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** The same connection, for the schema engine that applies migrations. */
  adapter: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Raw SQL for bulk loads (COPY-speed seeding) that Prisma has no API for. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… ; unset means embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** A Postgres schema to live in (the service tests use a fresh one per run). */
  schema?: string;
  /** In-memory PGlite (tests): nothing is written to disk. */
  memory?: boolean;
}

/** Opens the database the configuration names: node-postgres when a URL is given, else embedded PGlite. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.schema);
  const dir = opts.memory ? undefined : path.join(opts.dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  await client.waitReady;
  const adapter = new PrismaPGlite(client);
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    adapter,
    kind: 'pglite',
    exec: async (sql) => {
      await client.exec(sql);
    },
    close: async () => {
      await prisma.$disconnect();
      // Disconnecting Prisma can already have closed PGlite through the adapter.
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(url: string, schema?: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    // A fresh schema per test run: every connection must resolve unqualified names there.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const adapter = new PrismaPg(pool, schema ? { schema } : undefined);
  const prisma = new PrismaClient({ adapter });
  return {
    prisma,
    adapter,
    kind: 'postgres',
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
