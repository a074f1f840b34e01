/**
 * npm run bench:connect [-- --iterations N] [--cold-runs C]
 *
 * The Connect flow Lambda as Lambda runs it: the bundle of `npm run build:lambda`, its
 * `connectFlow` entry called in-process with Connect's event (the lookup and route fixtures
 * of test/fixtures/connect/good/), against PostgreSQL (DATABASE_URL, a schema of its own,
 * dropped after). Warm: p50/p99 per action over N new contacts, beside a handler that returns
 * a constant, called the same way. Cold start: a fresh `node` process importing the bundle
 * and answering its first lookup (database connection included), beside the same for the
 * constant handler. A report, not a test: exits 0 whatever the numbers.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { seedDemo } from '../../src/demo/seed.js';
import { buildLambda } from '../build-lambda.js';
import { stats, table } from './harness.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const { values: args } = parseArgs({ options: { iterations: { type: 'string', default: '1000' }, 'cold-runs': { type: 'string', default: '7' } } });
const ITERATIONS = Number(args.iterations);
const COLD_RUNS = Number(args['cold-runs']);
const TARGET_P99_MS = 50;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const fixture = (name: string) => path.join(root, 'test/fixtures/connect/good', name);
const LOOKUP = fixture('lookup-known-arabic-customer.json');
const ROUTE = fixture('route-arabic-billing.json');
const CHILD = path.join(import.meta.dirname, 'connect-child.mjs');
const SECRETS = { TWILIO_AUTH_TOKEN: 'bench-auth-token', JWT_SECRET: 'bench-jwt-secret-long-enough-0123456789' };

for (const f of [LOOKUP, ROUTE]) if (!existsSync(f)) throw new Error(`missing fixture ${path.relative(root, f)} (the Connect flow handler's)`);

const schema = `bench_connect_${randomBytes(4).toString('hex')}`;
const outDir = mkdtempSync(path.join(tmpdir(), 'cc-bench-connect-'));
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3));
const median = (xs: number[]) => stats(xs).p50;

try {
  console.log(`bench:connect — ${cpus().length} vCPU (${cpus()[0]?.model.trim()}), Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const db = await openDatabase({ databaseUrl: DATABASE_URL, dataDir: '', schema });
  await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
  const seeder = buildApp({ config: { publicBaseUrl: 'https://cc.example.test', twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: SECRETS.TWILIO_AUTH_TOKEN, callerId: '+966920000000' }, jwt: { secret: SECRETS.JWT_SECRET }, crmLookupBudgetMs: 400 }, db: db.prisma, logger: pino({ level: 'silent' }) });
  await seedDemo(seeder.services);
  await seeder.shutdown();
  await db.close();

  const { file: bundle, bytes } = await buildLambda({ outDir });
  const env = { ...process.env, ...SECRETS, DATABASE_URL, DATABASE_SCHEMA: schema, PUBLIC_BASE_URL: 'https://cc.example.test', LOG_LEVEL: 'error', AWS_REGION: 'me-south-1', NODE_NO_WARNINGS: '1' };
  const child = async (argv: string[]) => JSON.parse((await run(process.execPath, [CHILD, ...argv], { env, cwd: tmpdir(), maxBuffer: 64 * 1024 * 1024 })).stdout.trim().split('\n').pop()!) as Record<string, any>;

  console.log(`bundle ${path.relative(root, bundle) || bundle}: ${(bytes / 1024 / 1024).toFixed(2)} MiB; ${ITERATIONS} contacts warm, ${COLD_RUNS} cold starts each\n`);
  const warm = await child(['warm', bundle, LOOKUP, ROUTE, String(ITERATIONS)]);
  const cold: Array<Record<string, number>> = [];
  const coldConstant: Array<Record<string, number>> = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    cold.push(await child(['cold', bundle, LOOKUP]));
    coldConstant.push(await child(['cold-constant']));
  }

  const s = { lookup: stats(warm.lookup), route: stats(warm.route), constant: stats(warm.constant) };
  console.log('Warm invocations (ms, in-process through the Lambda entry)\n');
  console.log(
    table([
      ['handler', 'n', 'p50', 'p99', 'max', `p99 ≤ ${TARGET_P99_MS} ms`],
      ['connectFlow lookup', String(s.lookup.n), fmt(s.lookup.p50), fmt(s.lookup.p99), fmt(s.lookup.max), s.lookup.p99 <= TARGET_P99_MS ? 'met' : 'MISSED'],
      ['connectFlow route', String(s.route.n), fmt(s.route.p50), fmt(s.route.p99), fmt(s.route.max), s.route.p99 <= TARGET_P99_MS ? 'met' : 'MISSED'],
      ['constant handler', String(s.constant.n), fmt(s.constant.p50), fmt(s.constant.p99), fmt(s.constant.max), ''],
    ]),
  );
  const c = (xs: Array<Record<string, number>>, k: string) => median(xs.map((x) => x[k]!));
  console.log(`\nCold start (ms, median of ${COLD_RUNS} fresh node processes)\n`);
  console.log(
    table([
      ['module', 'node boot', 'import', 'first answer', 'total', '× constant'],
      ['bundle, connectFlow lookup', fmt(c(cold, 'boot')), fmt(c(cold, 'import')), fmt(c(cold, 'firstAnswer')), fmt(c(cold, 'total')), (c(cold, 'total') / c(coldConstant, 'total')).toFixed(1)],
      ['constant handler', fmt(c(coldConstant, 'boot')), fmt(c(coldConstant, 'import')), fmt(c(coldConstant, 'firstAnswer')), fmt(c(coldConstant, 'total')), '1.0'],
    ]),
  );
  console.log(`\nfirst lookup answer: ${JSON.stringify(warm.sample.lookup)}`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}
