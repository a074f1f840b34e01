/**
 * npm run bench:webhook [-- --customers N] [--duration S] [--rate R] [--connections C] [--profile DIR] [--keep] [--reuse SCHEMA]
 *
 * Measures POST /webhooks/twilio/voice of the real app (signature check + CRM lookup in N
 * customers + first IVR step + call/interaction insert) against a bare Express server that
 * answers fixed TwiML. Database: DATABASE_URL (a throwaway bench_<hex> schema, dropped at the
 * end) or in-memory PGlite. A report, not a test: always exits 0 unless the harness breaks.
 * PostgreSQL only: --keep leaves the seeded schema in place, and --reuse SCHEMA measures
 * it again without seeding (everything but the customers is emptied first, so each run
 * starts from the same state: 1M customers, no calls, no timeline).
 *
 * Process layout: each server runs in its own forked child, and the load generator stays in
 * this process. On a 2-core box that gives the server one core to itself instead of sharing
 * an event loop with autocannon (which would halve what we can measure and add the
 * generator's GC pauses to the server's latency). With Postgres the postgres backends compete
 * for the same two cores; that is reported, not hidden.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { normalizePhone } from '../../src/crm/phone.js';
import { forkChild, type BenchChild } from './harness.js';
import type { ChildReply, ParentRequest } from './protocol.js';

type ServerChild = BenchChild<ParentRequest, ChildReply>;
import { runAutocannon, runPaced, type LoadResult } from './load.js';
import { seededPhone, unknownPhone } from './phones.js';
import { printReport, type TargetReport } from './report.js';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '15' },
    rate: { type: 'string', default: '500' },
    connections: { type: 'string', default: '20' },
    profile: { type: 'string' },
    'app-only': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
  },
});
const customers = Number(args.customers);
const durationS = Number(args.duration);
const rate = Number(args.rate);
const connections = Number(args.connections);
if (!Number.isInteger(customers) || customers < 1 || customers >= 10_000_000) throw new Error('--customers must be 1 … 9,999,999');

// The numbers we call with must normalise to exactly what the seed stored.
for (const i of [0, 1, customers - 1, randomInt(0, customers)]) {
  const p = seededPhone(i);
  if (normalizePhone(p) !== p) throw new Error(`seeded phone ${p} does not normalise to itself (${normalizePhone(p)})`);
}
const probe = unknownPhone();
if (normalizePhone(probe) !== probe) throw new Error(`unknown phone ${probe} is not a valid Saudi mobile`);

const databaseUrl = process.env.DATABASE_URL || undefined;
if ((args.keep || args.reuse) && !databaseUrl) throw new Error('--keep and --reuse need DATABASE_URL');
if (args.reuse && !/^bench_[0-9a-f]{10}$/.test(args.reuse)) throw new Error('--reuse takes a schema a --keep run printed (bench_ + 10 hex)');
const schema = databaseUrl ? (args.reuse ?? `bench_${randomBytes(5).toString('hex')}`) : undefined;
const children: ServerChild[] = [];

console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; node ${process.version}`);
console.log(`database: ${databaseUrl ? `postgres, schema ${schema}${args.reuse ? ' (reused)' : args.keep ? ' (kept afterwards)' : ''}` : 'PGlite in memory'}; ${customers.toLocaleString('en-US')} customers`);

/** Runs one load phase and charges the server child's CPU time to it. */
async function measured(child: ServerChild, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const c0 = (await child.request({ type: 'cpu' }, 'cpu')).ms;
  const w0 = performance.now();
  const r = await run();
  const c1 = (await child.request({ type: 'cpu' }, 'cpu')).ms;
  const answered = r.total - r.errors - r.timeouts;
  return { ...r, cpuMsPerReq: (c1 - c0) / Math.max(1, answered), cpuBusy: (c1 - c0) / (performance.now() - w0) };
}

/** Waits (up to 60 s) until the server child is nearly idle, so a backlog does not leak into the next phase. */
async function idle(child: ServerChild): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const c0 = (await child.request({ type: 'cpu' }, 'cpu')).ms;
    await new Promise((r) => setTimeout(r, 500));
    const c1 = (await child.request({ type: 'cpu' }, 'cpu')).ms;
    if (c1 - c0 < 50) return;
  }
}

async function phases(name: string, child: ServerChild, checkBody: boolean): Promise<TargetReport> {
  const base = { port: child.port, customers, checkBody };
  console.log(`\n[${name}] warm-up 3 s`);
  const warm = await runAutocannon({ ...base, connections: 10, durationS: 3 });
  console.log(`[${name}] (b) max throughput, ${connections} connections, ${durationS} s`);
  const max = await measured(child, () => runAutocannon({ ...base, connections, durationS }));
  await idle(child);
  // (c) runs first: after an overloaded phase the server keeps working off abandoned requests.
  // When the target cannot take `rate` at all, latency at `rate` is just queueing; also show
  // latency at half of the throughput it can take, capped at `rate`.
  const sustainable = Math.max(1, Math.min(rate, Math.floor(max.reqPerSec / 2)));
  console.log(`[${name}] (c) paced open-loop ${sustainable} req/s (half its max), ${durationS} s`);
  const half = await measured(child, () => runPaced({ ...base, rate: sustainable, durationS }));
  await idle(child);
  console.log(`[${name}] (a) autocannon overallRate ${rate} req/s, ${connections} connections, ${durationS} s`);
  const fixed = await measured(child, () => runAutocannon({ ...base, connections, durationS, overallRate: rate }));
  console.log(`[${name}] (a') paced open-loop ${rate} req/s, ${durationS} s`);
  await idle(child);
  const paced = await measured(child, () => runPaced({ ...base, rate, durationS }));
  const totals = [warm, fixed, paced, max, half].reduce((s, r: LoadResult) => s + r.total, 0);
  for (const [phase, r] of Object.entries({ warm, max, fixed, paced, half })) {
    console.log(`[${name}] ${phase}: ${r.total} sent, ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}, timeouts ${r.timeouts}, statuses ${JSON.stringify(r.statuses)}` + (r.cpuMsPerReq === undefined ? '' : `, server CPU ${r.cpuMsPerReq.toFixed(2)} ms/req, busy ${(100 * (r.cpuBusy ?? 0)).toFixed(0)} % of a core`));
  }
  console.log(`[${name}] done: ${totals.toLocaleString('en-US')} requests incl. warm-up`);
  return { name, warm, fixed, paced, max, half, halfRate: sustainable };
}

let exitCode = 0;
try {
  const t0 = performance.now();
  console.log('\nstarting app child (migrate + seed) …');
  const app = await forkChild<ParentRequest, ChildReply>('app-server.ts', {
    env: {
      BENCH_CUSTOMERS: String(customers),
      DATABASE_URL: databaseUrl ?? '',
      BENCH_SCHEMA: schema ?? '',
      BENCH_REUSE: args.reuse ? '1' : '',
      BENCH_KEEP: args.keep || args.reuse ? '1' : '',
    },
    execArgv: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
  });
  children.push(app);
  const seedS = Number(app.info.seedMs) / 1000;
  console.log(
    `app ready on :${app.port} (${app.info.kind}); migrate ${(Number(app.info.migrateMs) / 1000).toFixed(1)} s, ` +
      (args.reuse
        ? `reused ${customers.toLocaleString('en-US')} customers (calls and timeline emptied in ${seedS.toFixed(1)} s), `
        : `seed ${customers.toLocaleString('en-US')} customers ${seedS.toFixed(1)} s (${Math.round(customers / seedS).toLocaleString('en-US')} rows/s), `) +
      `total start ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const explained = await app.request({ type: 'explain', phone: seededPhone(randomInt(0, customers)) }, 'explain');
  console.log(`\nphone lookup SQL (as Prisma sends it):\n  ${explained.sql}\nEXPLAIN ANALYZE:\n${explained.plan.replace(/^/gm, '  ')}`);
  const usesIndex = /CustomerPhone_e164_idx/.test(explained.plan);
  console.log(usesIndex ? '=> uses CustomerPhone_e164_idx' : '=> WARNING: the lookup does NOT use CustomerPhone_e164_idx');

  const appReport = await phases('app', app, true);
  await idle(app);
  const stats = await app.request({ type: 'stats' }, 'stats');
  if (args['app-only']) throw new Error('--app-only: no baseline, no table');

  const bare = await forkChild<ParentRequest, ChildReply>('bare-server.ts');
  children.push(bare);
  const bareReport = await phases('bare express', bare, false);

  printReport({ app: appReport, bare: bareReport, rate, connections, durationS, stats, usesIndex, seedS, customers });
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await Promise.all(children.map((c) => c.stop()));
}
process.exit(exitCode);
