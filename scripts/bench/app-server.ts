/**
 * Child process: the real app (buildApp) on its own event loop. It owns the database
 * (in-memory PGlite can only live in one process), migrates, seeds, publishes the demo
 * flow, then listens on an ephemeral port and reports back over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { createCustomerRepo } from '../../src/crm/customer-repo.js';
import { openDatabase } from '../../src/db/client.js';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { seedCustomers } from './seed-customers.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL, type ChildReady, type ChildReply, type ParentRequest } from './protocol.js';

const root = path.resolve(import.meta.dirname, '../..');
const customers = Number(process.env.BENCH_CUSTOMERS ?? '1000000');
const databaseUrl = process.env.DATABASE_URL || undefined;
const schema = process.env.BENCH_SCHEMA || undefined;
const reuse = process.env.BENCH_REUSE === '1';
const keep = process.env.BENCH_KEEP === '1';

function send(msg: ChildReady | ChildReply): void {
  process.send?.(msg);
}

const t0 = performance.now();
const db = await openDatabase(databaseUrl ? { databaseUrl, schema, dataDir: '' } : { memory: true, dataDir: '' });
await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
const migrateMs = performance.now() - t0;

const t1 = performance.now();
let lastReport = 0;
if (reuse) await emptyAllButCustomers(customers);
else
  await seedCustomers(db, customers, (done) => {
    if (performance.now() - lastReport > 2000 || done === customers) {
      lastReport = performance.now();
      console.error(`  [app] seeded ${done.toLocaleString('en-US')} / ${customers.toLocaleString('en-US')} (${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    }
  });
const seedMs = performance.now() - t1;
// As src/server.ts does before it listens.
await db.warm();

const built = buildApp({
  config: {
    publicBaseUrl: PUBLIC_BASE_URL,
    twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: AUTH_TOKEN, callerId: '+966920000000' },
    jwt: { secret: 'bench-jwt-secret-that-is-long-enough' },
    crmLookupBudgetMs: 400,
  },
  db: db.prisma,
  logger: pino({ level: 'silent' }),
});
// Open around the clock (as src/demo/seed.ts does) so the real clock can be used and
// every call record gets its own timestamp.
const ALL_DAY = [['00:00', '24:00']] as [string, string][];
const weekly = { sun: ALL_DAY, mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY };
await built.services.flows.publish('main', { ...demoFlowDefinition, hours: { ...demoFlowDefinition.hours, weekly, holidays: [] } }, { comment: 'bench' });

const server = http.createServer(built.app);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

/**
 * --reuse: the schema a --keep run seeded, back to the state right after seeding: the same
 * customers, and no calls, timeline, scores or flows from the run before.
 */
async function emptyAllButCustomers(expected: number): Promise<void> {
  const [row] = await db.prisma.$queryRawUnsafe<Array<{ n: bigint }>>('SELECT count(*) AS n FROM "Customer"');
  const n = Number(row?.n ?? 0);
  if (n !== expected) throw new Error(`--reuse: schema ${schema} holds ${n} customers, not ${expected}`);
  const tables = await db.prisma.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('Customer', 'CustomerPhone', '_prisma_migrations')`,
  );
  if (tables.length) await db.exec(`TRUNCATE ${tables.map((t) => `"${t.name}"`).join(', ')}`);
  // A seeding run measures with the customers just written, in the caches; a reused schema
  // has to be read back first (tables and the lookup's indexes), or its first phases wait on
  // the disk. The checkpoint keeps the last run's writes from being flushed during this one.
  await db.exec(`
    CHECKPOINT;
    BEGIN;
    SET LOCAL enable_seqscan = off;
    SET LOCAL enable_bitmapscan = off;
    SELECT count(*) FROM "CustomerPhone" WHERE "e164" > '';
    SELECT count(*) FROM "CustomerPhone" WHERE "customerId" > '';
    SELECT count(*) FROM "Customer" WHERE "id" > '';
    COMMIT;
    SELECT count(*) FROM "Customer";
    SELECT count(*) FROM "CustomerPhone";
  `);
}

/** Runs the repo's own phone lookup once with query logging on, then EXPLAINs that exact SQL. */
async function explain(phone: string): Promise<ChildReply> {
  const logged = new PrismaClient({ adapter: db.adapter, log: [{ emit: 'event', level: 'query' }] });
  const queries: Array<{ query: string; params: string }> = [];
  logged.$on('query', (e) => queries.push({ query: e.query, params: e.params }));
  // The query the webhook's caller lookup sends (findCaller when the repo has it).
  const repo = createCustomerRepo(logged);
  await (repo.findCaller ? repo.findCaller(phone) : repo.findByPhone(phone));
  const q = queries.find((x) => x.query.includes('CustomerPhone')) ?? queries[0];
  if (!q) return { type: 'error', message: 'no query captured' };
  const params = JSON.parse(q.params) as unknown[];
  // Inline the parameters ($1, $2 …) as literals: EXPLAIN cannot take bind parameters here.
  const sql = q.query.replace(/\$(\d+)/g, (_m, n: string) => {
    const v = params[Number(n) - 1];
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
  const rows = await db.prisma.$queryRawUnsafe<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`);
  return { type: 'explain', sql: q.query, plan: rows.map((r) => r['QUERY PLAN']).join('\n') };
}

process.on('message', (raw) => {
  const msg = raw as ParentRequest;
  void (async () => {
    try {
      if (msg.type === 'explain') send(await explain(msg.phone));
      else if (msg.type === 'cpu') {
        const u = process.cpuUsage();
        send({ type: 'cpu', ms: (u.user + u.system) / 1000 });
      }
      else if (msg.type === 'stats') {
        const [calls, interactions, knownCalls] = await Promise.all([
          db.prisma.call.count(),
          db.prisma.interaction.count(),
          db.prisma.call.count({ where: { customerId: { not: null } } }),
        ]);
        send({ type: 'stats', calls, interactions, knownCalls });
      } else if (msg.type === 'shutdown') {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (schema && !keep) await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
        await db.close();
        send({ type: 'closed' });
        process.disconnect();
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  })();
});

send({
  type: 'ready',
  port: (server.address() as AddressInfo).port,
  info: { kind: db.kind, customers, migrateMs: Math.round(migrateMs), seedMs: Math.round(seedMs) },
});
