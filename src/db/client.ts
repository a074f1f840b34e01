import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, type MigrationPaths } from './migrations.js';

export type Db = PrismaClient;

export interface Database {
  prisma: PrismaClient;
  /** The same connection, for the schema engine that applies migrations. */
  adapter: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations; returns the names applied now. */
  migrate(paths: MigrationPaths): Promise<string[]>;
  /** Raw SQL for bulk loads (COPY-speed seeding) that Prisma has no API for. */
  exec(sql: string): Promise<void>;
  /**
   * PostgreSQL: opens the pool's connections now (up to `connections`, default all of them),
   * before any call needs one. A call's CRM lookup is its first statement and has a budget;
   * on a cold pool a burst of calls would spend it starting PostgreSQL backends. PGlite: nothing to open.
   */
  warm(connections?: number): Promise<void>;
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
  /** PostgreSQL: a statement or connection attempt with no answer past this fails (default 5000 ms). */
  timeoutMs?: number;
  /** PostgreSQL: an idle pooled connection broke (the database restarted, the network dropped). */
  onConnectionError?: (err: Error) => void;
  /** PostgreSQL: connections in the pool (default 20; a Lambda container serves one request at a time and needs few). */
  poolMax?: number;
}

/**
 * Outside NODE_ENV=production Prisma's default error format captures a stack trace
 * (`new Error()`) on every query to point its messages at the calling line: a few percent of
 * the voice webhook's CPU. 'minimal' is what production (the Lambda) already gets; errors keep
 * their message, code and cause, which is all src/db/store-errors.ts and the logs read.
 */
const ERROR_FORMAT = 'minimal' as const;

/** Opens the database the configuration names: node-postgres when a URL is given, else embedded PGlite. */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.schema, opts);
  const dir = opts.memory ? undefined : path.join(opts.dataDir, 'pglite');
  if (dir) mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  await client.waitReady;
  const adapter = new PrismaPGlite(client);
  const prisma = new PrismaClient({ adapter, errorFormat: ERROR_FORMAT });
  return {
    prisma,
    adapter,
    kind: 'pglite',
    migrate: (paths) => applyMigrations(adapter, paths),
    exec: async (sql) => {
      await client.exec(sql);
    },
    warm: async () => {},
    close: async () => {
      await prisma.$disconnect();
      // Disconnecting Prisma can already have closed PGlite through the adapter.
      if (!client.closed) await client.close();
    },
  };
}

/**
 * Names statements so each connection parses a statement once (and plans it once, when
 * PostgreSQL settles on a generic plan) and then only binds and runs it: the webhook's
 * statements are few and repeat on every call. The cap keeps statements whose text varies
 * (bulk inserts of n rows) from piling up on connections; past it, new texts run unnamed.
 * Raw statements therefore name their result columns: a prepared `SELECT *` fails ("cached
 * plan must not change result type") on connections that outlive a migration adding a column.
 */
function preparedStatementName(cap = 500): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined) {
      if (names.size >= cap) return '';
      name = `p${createHash('sha1').update(sql).digest('base64url')}`;
      names.set(sql, name);
    }
    return name;
  };
}

async function openPostgres(url: string, schema: string | undefined, opts: Pick<DatabaseOptions, 'timeoutMs' | 'onConnectionError' | 'poolMax'>): Promise<Database> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const poolMax = opts.poolMax ?? 20;
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    // Connections stay open once made: a new one is a new PostgreSQL backend whose first
    // statements re-read the catalog and re-plan, a visible stall for the calls waiting on it.
    idleTimeoutMillis: 0,
    // Every database call has a deadline. A database that accepts connections but never
    // answers (a hung host, a stalled network) otherwise holds a webhook until Twilio gives
    // up: query_timeout is the client's own clock (it fires when nothing comes back at all),
    // statement_timeout the server's (it frees the backend), connectionTimeoutMillis covers
    // a connect that never completes. A timed-out connection is discarded by the pool.
    connectionTimeoutMillis: Math.min(timeoutMs, 2000),
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    keepAlive: true,
    // A fresh schema per test run: every connection must resolve unqualified names there.
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection that breaks emits 'error' on the pool; unheard, it ends the process.
  pool.on('error', (err) => opts.onConnectionError?.(err));
  if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  const adapter = new PrismaPg(pool, { ...(schema ? { schema } : {}), statementNameGenerator: preparedStatementName() });
  const prisma = new PrismaClient({ adapter, errorFormat: ERROR_FORMAT });
  return {
    prisma,
    adapter,
    kind: 'postgres',
    async migrate(paths) {
      // The schema engine takes a session-level advisory lock and may release it on another
      // pooled connection, leaving it held; one connection of its own keeps lock and unlock
      // on the same session (several nodes starting at once queue on it properly).
      const own = new pg.Pool({ connectionString: url, max: 1, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
      try {
        return await applyMigrations(new PrismaPg(own, schema ? { schema } : undefined), paths);
      } finally {
        await own.end();
      }
    },
    async warm(connections) {
      const n = Math.min(connections ?? poolMax, poolMax);
      // Held all at once, so each is a connection of its own; idle ones stay open (idleTimeoutMillis 0).
      const opened = await Promise.allSettled(Array.from({ length: n }, () => pool.connect()));
      for (const o of opened) if (o.status === 'fulfilled') o.value.release();
      const failed = opened.find((o) => o.status === 'rejected');
      if (failed) throw failed.reason;
    },
    exec: async (sql) => {
      // Bulk loads run for minutes: a connection of their own, without the pool's deadlines.
      const client = new pg.Client({ connectionString: url, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
