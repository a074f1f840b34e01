/**
 * npm run bench:kpis [-- --calls N] [--days D] [--iterations I] [--keep] [--reuse SCHEMA]
 *
 * KPIs at scale, on PostgreSQL (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test)
 * in a fresh schema: seeds N calls (default 1M) over D days (90) with generate_series —
 * calls, line entries, accept and wrap-up events, four agent-state events per answered call,
 * timeline entries, surveys — rolls them up through the real rollup, then measures the API
 * (GET /api/analytics/kpis over HTTP) for a day (15m), a week (1h) and a month (1d), for all
 * queues and for one, beside a plain GROUP BY over the raw rows for the same ranges in the
 * same run. Prints p50/p99, the ratio, memory and storage per million calls. A report, not
 * a test: exits 0 whatever the numbers.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { openDatabase } from '../../src/db/client.js';

const { values: args } = parseArgs({
  options: { calls: { type: 'string', default: '1000000' }, days: { type: 'string', default: '90' }, iterations: { type: 'string', default: '200' }, keep: { type: 'boolean', default: false }, reuse: { type: 'string' } },
});
const CALLS = Number(args.calls);
const DAYS = Number(args.days);
const ITERATIONS = Number(args.iterations);
const ZONE = 'Asia/Riyadh';
const TARGET_MONTH_P99_MS = 200;
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// --reuse: a schema a --keep run seeded with the same --calls and --days (seeding is most of a run).
const schema = args.reuse ?? `bench_kpis_${randomBytes(4).toString('hex')}`;
const root = path.resolve(import.meta.dirname, '../..');
const JWT = 'bench-jwt-secret-long-enough-0123456789';

const sql = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
const db = await openDatabase({ databaseUrl: url, dataDir: '', schema, timeoutMs: 60_000 });
let server: http.Server | undefined;
let stopApp: (() => Promise<void>) | undefined;
try {
  await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  await sql.connect();
  // Whole days in Riyadh, ending at today's midnight there.
  const endAt = DateTime.now().setZone(ZONE).startOf('day').toJSDate();
  const startAt = new Date(endAt.getTime() - DAYS * 86_400_000);

  let t0 = performance.now();
  if (args.reuse) {
    const { rows: [span] } = await sql.query<{ lo: Date }>(`SELECT min("enqueuedAt") AS lo FROM "QueueEntry"`);
    // Seeded today: its calls start where a fresh seed's would.
    if (Math.abs(span!.lo.getTime() - startAt.getTime()) > 3600_000) throw new Error('--reuse: the schema was seeded on another day; seed afresh');
    await sql.query('TRUNCATE "KpiBucket", "KpiDirty"');
  } else await seed(startAt);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`${args.reuse ? 'reused' : 'seeded'} ${CALLS.toLocaleString('en')} calls over ${DAYS} days in ${seedSeconds.toFixed(0)} s`);

  const now = () => new Date(endAt.getTime() + 3600_000);
  const built = buildApp({
    config: {
      publicBaseUrl: 'https://bench.invalid',
      twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'bench', callerId: '+966920000000', apiBaseUrl: 'http://127.0.0.1:9' },
      jwt: { secret: JWT },
      crmLookupBudgetMs: 400,
    },
    db: db.prisma,
    logger: pino({ level: 'silent' }),
    now,
    analytics: { zone: ZONE },
  });
  stopApp = () => built.shutdown();
  const rssBefore = process.memoryUsage().rss;
  t0 = performance.now();
  await built.services.analytics.rollup.roll(startAt, endAt);
  const rollSeconds = (performance.now() - t0) / 1000;
  const rssRoll = process.memoryUsage().rss;
  console.log(`rolled up in ${rollSeconds.toFixed(0)} s`);
  await sql.query('ANALYZE');

  server = http.createServer(built.app);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const token = signToken(JWT, { sub: 'bench', role: 'supervisor' });

  const day = 86_400_000;
  const ranges = [
    { name: 'day', interval: '15m', trunc: null, from: new Date(endAt.getTime() - day) },
    { name: 'week', interval: '1h', trunc: 'hour', from: new Date(endAt.getTime() - 7 * day) },
    { name: 'month', interval: '1d', trunc: 'day', from: new Date(endAt.getTime() - 30 * day) },
  ] as const;
  const rows: string[] = [];
  const results: Record<string, number> = {};
  for (const r of ranges) {
    for (const queue of [undefined, 'q1']) {
      const qs = new URLSearchParams({ from: r.from.toISOString(), to: endAt.toISOString(), interval: r.interval, ...(queue ? { queue } : {}) });
      const api = await timed(ITERATIONS, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/analytics/kpis?${qs}`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status !== 200) throw new Error(`kpis answered ${res.status}: ${await res.text()}`);
        await res.json();
      });
      const raw = await timed(Math.max(20, Math.round(ITERATIONS / 10)), () => groupBy(r.from, endAt, r.trunc, queue));
      const label = `${r.name} (${r.interval}), ${queue ? 'one queue' : 'all queues'}`;
      results[`${r.name}:${queue ?? 'all'}`] = api.p99;
      rows.push(`| ${label} | ${api.p50.toFixed(1)} | ${api.p99.toFixed(1)} | ${raw.p50.toFixed(1)} | ${raw.p99.toFixed(1)} | ${(raw.p99 / api.p99).toFixed(0)}× |`);
    }
  }
  const rssQueries = process.memoryUsage().rss;

  const sizes = await sql.query<{ name: string; bytes: string; rows: string }>(`
    SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes, c.reltuples::bigint AS rows FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = '${schema}' AND c.relkind = 'r' AND c.relname IN ('KpiBucket', 'Call', 'QueueEntry', 'CallEvent', 'AgentStateEvent', 'Interaction', 'SurveyResponse') ORDER BY 2 DESC`);
  const perMillion = (bytes: number) => `${((bytes / 1024 / 1024) * (1_000_000 / CALLS)).toFixed(0)} MB`;

  console.log(`\nKPIs over ${CALLS.toLocaleString('en')} calls in ${DAYS} days (${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, load ${loadavg()[0]!.toFixed(2)}), ${ITERATIONS} API requests per row:\n`);
  console.log('| query | API p50 ms | API p99 ms | GROUP BY p50 ms | GROUP BY p99 ms | GROUP BY / API (p99) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  const month = Math.max(results['month:all']!, results['month:q1']!);
  console.log(`\nmonth p99 ${month.toFixed(1)} ms: ${month <= TARGET_MONTH_P99_MS ? 'within' : 'OVER'} the ${TARGET_MONTH_P99_MS} ms target`);
  console.log(`seed ${seedSeconds.toFixed(0)} s; full roll-up of ${DAYS} days ${rollSeconds.toFixed(0)} s (${((rollSeconds / DAYS) * 1000).toFixed(0)} ms per day)`);
  console.log(`node RSS: ${mb(rssBefore)} before the roll-up, ${mb(rssRoll)} after it, ${mb(rssQueries)} after the queries`);
  console.log('\n| table | rows | size | per million calls |\n|---|---:|---:|---:|');
  for (const s of sizes.rows) console.log(`| ${s.name} | ${Number(s.rows).toLocaleString('en')} | ${(Number(s.bytes) / 2 ** 20).toFixed(0)} MB | ${perMillion(Number(s.bytes))} |`);
} finally {
  server?.close();
  await stopApp?.().catch(() => {});
  if (!args.keep) await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await sql.end().catch(() => {});
  await db.close();
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(5, n); i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)]!;
  return { p50: at(50), p99: at(99) };
}

/** The baseline: offered, answered, abandoned, ASA, service level and talk time per interval, straight from the raw rows. */
async function groupBy(from: Date, to: Date, trunc: 'hour' | 'day' | null, queue: string | undefined): Promise<void> {
  const local = `(e."enqueuedAt" AT TIME ZONE 'UTC') AT TIME ZONE '${ZONE}'`;
  const key = trunc ? `date_trunc('${trunc}', ${local})` : `date_bin('15 minutes', ${local}, TIMESTAMP '2000-01-01')`;
  await sql.query(
    `SELECT ${key} AS k, count(*) AS offered, count(e."assignedAt") AS answered,
            count(*) FILTER (WHERE e."outcome" = 'abandoned' AND c."endedAt" - e."enqueuedAt" >= interval '5 seconds') AS abandoned,
            avg(extract(epoch FROM e."assignedAt" - e."enqueuedAt")) FILTER (WHERE e."kind" = 'call') AS asa,
            count(*) FILTER (WHERE e."kind" = 'call' AND e."assignedAt" - e."enqueuedAt" <= interval '20 seconds') AS in_sl,
            avg(extract(epoch FROM c."endedAt" - e."assignedAt")) AS talk
     FROM "QueueEntry" e JOIN "Call" c ON c."id" = e."callId"
     WHERE e."enqueuedAt" >= $1 AND e."enqueuedAt" < $2 ${queue ? `AND e."queue" = $3` : ''}
     GROUP BY 1 ORDER BY 1`,
    [from, to, ...(queue ? [queue] : [])],
  );
}

/** Realistic shapes, in bulk: 8 queues, 60 agents, 150k customers; 85 % answered, 12 % abandoned (5 % short), 3 % callbacks. */
async function seed(start: Date): Promise<void> {
  const step = (DAYS * 86_400) / CALLS;
  await db.exec(`
    SET search_path = ${schema};
    SELECT setseed(0.42);
    INSERT INTO "RoutingQueue" ("name") SELECT 'q' || g FROM generate_series(1, 8) g;
    INSERT INTO "Agent" ("id", "name", "languages", "queues", "updatedAt")
      SELECT 'a' || g, 'Agent ' || g, ARRAY['ar'], ARRAY['q' || (1 + g % 8), 'q' || (1 + (g + 1) % 8)], now() FROM generate_series(1, 60) g;
    INSERT INTO "Customer" ("id", "name", "updatedAt") SELECT 'c' || g, 'Customer ' || g, now() FROM generate_series(0, 149999) g;
    CREATE UNLOGGED TABLE bench_calls AS
      SELECT i, 'k' || i AS id, ts AS started, ts + interval '30 seconds' AS enq, 'q' || (1 + i % 8) AS queue, 'a' || (1 + (i::bigint * 7919) % 60) AS agent,
             CASE WHEN r4 < 0.6 THEN 'c' || (i % 150000) END AS customer,
             CASE WHEN r1 < 0.05 THEN 'short' WHEN r1 < 0.12 THEN 'abandoned' WHEN r1 < 0.15 THEN 'callback' ELSE 'answered' END AS fate,
             r2, r3, r4
      FROM (SELECT i, TIMESTAMP '${start.toISOString().slice(0, 19)}' + make_interval(secs => i * ${step} + random() * ${step}) AS ts,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4 FROM generate_series(1, ${CALLS}) i) s;
    ALTER TABLE bench_calls ADD COLUMN assigned timestamp, ADD COLUMN ended timestamp;
    UPDATE bench_calls SET
      assigned = CASE fate WHEN 'answered' THEN enq + make_interval(secs => r2 * 60) WHEN 'callback' THEN enq + make_interval(secs => 600 + r2 * 600) END,
      ended = CASE fate WHEN 'short' THEN enq + make_interval(secs => 1 + r2 * 3) WHEN 'abandoned' THEN enq + make_interval(secs => 6 + r2 * 120)
                        WHEN 'callback' THEN enq + make_interval(secs => 40) ELSE enq + make_interval(secs => r2 * 60 + 60 + r3 * 400) END;
    INSERT INTO "Call" ("id", "provider", "providerCallId", "fromRaw", "customerId", "flowName", "flowVersion", "language", "session", "status", "queue", "startedAt", "endedAt", "endStatus")
      SELECT id, 'twilio', 'CA' || i, '+9665' || lpad(i::text, 8, '0'), customer, 'main', 1, 'ar', '{}', 'completed', queue, started, ended, 'completed' FROM bench_calls;
    INSERT INTO "QueueEntry" ("id", "callId", "customerId", "kind", "queue", "priority", "enqueuedAt", "status", "ruleVersion", "rule", "decision", "context", "outcome", "agentId", "assignedAt", "updatedAt")
      SELECT 'e' || i, id, customer, CASE WHEN fate = 'callback' THEN 'callback' ELSE 'call' END, queue, 10, enq, 'done', 1, 'default', '{}', '{}',
             CASE WHEN assigned IS NOT NULL THEN 'assigned' ELSE 'abandoned' END, CASE WHEN assigned IS NOT NULL THEN agent END, assigned, ended FROM bench_calls;
    INSERT INTO "CallEvent" ("id", "callId", "key", "type", "at", "data")
      SELECT 'ac' || i, id, 'accepted:r' || i, 'accepted', assigned, jsonb_build_object('agentId', agent, 'reservationId', 'r' || i) FROM bench_calls WHERE assigned IS NOT NULL;
    INSERT INTO "CallEvent" ("id", "callId", "key", "type", "at", "data")
      SELECT 'wu' || i, id, 'wrapup:' || agent, 'wrapup', ended + interval '10 seconds', jsonb_build_object('agentId', agent, 'disposition', 'general', 'resolved', (r4 < 0.75)::text)
      FROM bench_calls WHERE fate = 'answered' AND r3 < 0.7;
    INSERT INTO "AgentStateEvent" ("id", "agentId", "state", "source", "at")
      SELECT 's' || i || '-' || n, agent, st, 'bench', at FROM bench_calls,
        LATERAL (VALUES (1, 'reserved', assigned - interval '5 seconds'), (2, 'busy', assigned), (3, 'wrap_up', ended), (4, 'available', ended + interval '30 seconds')) v(n, st, at)
      WHERE fate = 'answered';
    INSERT INTO "Interaction" ("id", "idempotencyKey", "customerId", "channel", "type", "at", "summary", "callId", "createdAt", "updatedAt")
      SELECT 'i' || i, 'call:twilio:CA' || i, customer, 'voice', 'call', started, 'call', id, started, ended FROM bench_calls WHERE customer IS NOT NULL;
    INSERT INTO "SurveyResponse" ("id", "callId", "customerId", "queue", "agentId", "csat", "nps", "language", "answeredAt")
      SELECT 'sv' || i, id, customer, queue, agent, 1 + floor(r3 * 5)::int, floor(r4 * 11)::int, 'ar', ended + interval '60 seconds' FROM bench_calls WHERE fate = 'answered' AND r2 < 0.2;
    DROP TABLE bench_calls;
    ANALYZE;`);
}
