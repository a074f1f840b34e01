/**
 * npm run bench:outage [-- --rate 20 --duration 60 --outage-at 25 --outage-for 10 --fault drop
 *                         --agents 5 --warmup 5 --hangup-in-ivr 0.15 --settle 2 --no-baseline --dump FILE]
 *
 * Calls through a PostgreSQL outage: `rate` new calls per second for `duration` s, each the
 * voice webhook, the IVR's gathers a few hundred ms apart and a `completed` status callback a
 * few seconds later (some callers hang up in the IVR), while the link to PostgreSQL is cut
 * (`--fault drop`: connections reset) or stalled (`--fault hang`) from `outage-at` for
 * `outage-for` seconds. Then the durable spool drains and the database is read directly:
 * does every call have its one timeline entry, its row, its end and duration? Was anything
 * doubled, or anyone offered to an agent after hanging up? Beside it, the same run with no
 * outage (run first, in the same process, on the same machine).
 *
 * The app is built in this process (buildApp) on DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), a fresh bench_out_<hex> schema per run, dropped
 * afterwards; its database goes through test/helpers/tcp-proxy.ts with 1 s deadlines, the
 * answer budget is 900 ms, the spool lives in a temporary folder, routing runs with `agents`
 * agents available (nobody accepts: offers end when the caller hangs up). The callers run in
 * a child process (outage-callers.ts). A report, not a test: exits 0 unless the harness breaks.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { cpus } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/client.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { startTcpProxy } from '../../test/helpers/tcp-proxy.js';
import { percentile } from './harness.js';
import type { CallersReply, CallersRequest, CallResult, RequestResult } from './outage-callers.js';
import { AUTH_TOKEN, PUBLIC_BASE_URL } from './protocol.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '60' },
    'outage-at': { type: 'string', default: '25' },
    'outage-for': { type: 'string', default: '10' },
    fault: { type: 'string', default: 'drop' },
    agents: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    'hangup-in-ivr': { type: 'string', default: '0.15' },
    settle: { type: 'string', default: '2' },
    'drain-timeout': { type: 'string', default: '120' },
    'no-baseline': { type: 'boolean', default: false },
    /** Writes each run's calls and requests to <dump>.<run>.json for a closer look. */
    dump: { type: 'string' },
  },
});
const rate = Number(args.rate);
const durationS = Number(args.duration);
const outageAtS = Number(args['outage-at']);
const outageForS = Number(args['outage-for']);
const fault = args.fault;
const agentCount = Number(args.agents);
const warmupS = Number(args.warmup);
const hangupInIvr = Number(args['hangup-in-ivr']);
const settleS = Number(args.settle);
const drainTimeoutS = Number(args['drain-timeout']);
if (!(rate > 0 && rate <= 200)) throw new Error('--rate must be in (0, 200]');
if (!(durationS > 0 && durationS <= 600)) throw new Error('--duration must be in (0, 600]');
if (!(outageAtS >= 0 && outageForS > 0 && outageAtS + outageForS <= durationS)) throw new Error('--outage-at and --outage-for must lie within --duration');
if (fault !== 'drop' && fault !== 'hang') throw new Error("--fault must be 'drop' or 'hang'");
if (!(Number.isInteger(agentCount) && agentCount >= 1 && agentCount <= 100)) throw new Error('--agents must be 1 … 100');
if (!(warmupS >= 0 && hangupInIvr >= 0 && hangupInIvr <= 1 && settleS >= 0 && drainTimeoutS > 0)) throw new Error('--warmup, --settle ≥ 0; --hangup-in-ivr in [0, 1]');

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const root = path.resolve(import.meta.dirname, '../..');
const ALL_DAY = [['00:00', '24:00']] as [string, string][];
const QUEUES = ['general', 'billing', 'support', 'sales', 'complaints'];
const ANSWER_TARGET_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What one run measured. */
interface RunReport {
  label: string;
  outage: boolean;
  calls: number;
  requests: number;
  answeredInTime: number;
  p50: number;
  p99: number;
  max: number;
  /** By webhook: callers being answered (voice, gather) and status callbacks. */
  byHook: Record<'callers' | 'status', { requests: number; answeredInTime: number; max: number }>;
  /** The same, for requests due while the database was away (outage run only). */
  window?: { requests: number; answeredInTime: number; p99: number; max: number };
  non2xx: number;
  failed: number;
  fallbacks: number;
  generatorLagMax: number;
  serverMax: number;
  serverOver: number;
  loopDelayMax: number;
  complete: number;
  incomplete: Record<string, number>;
  stepsMissing: number;
  doubled: Record<string, number>;
  callRows: number;
  callsPlaced: number;
  pendingForEnded: number;
  queuedCalls: number;
  offeredCalls: number;
  firstOfferWait: { p50: number; max: number };
  /** Offers made at each second of the run. */
  offersBySecond: number[];
  offeredAfterHangUp: number;
  leftInLine: number;
  agentStates: Record<string, number>;
  spoolPeakRecords: number;
  spoolPeakBytes: number;
  drainMs?: number;
  /** How long the spool held records in all (routing holds offers meanwhile). */
  spoolBusyMs: number;
  /** Spool depth at each second of the run. */
  spoolBySecond: number[];
  drained: boolean;
  setAside: number;
}


/** Forks the callers and runs one load phase; resolves with what Twilio would have seen. */
async function placeCalls(port: number, durationS: number, onStart: () => void): Promise<{ calls: CallResult[]; requests: RequestResult[] }> {
  const proc = fork(path.join(import.meta.dirname, 'outage-callers.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the callers did not finish in time')), (durationS + 120) * 1000);
      proc.once('exit', (code) => reject(new Error(`the callers exited with ${code}`)));
      proc.on('message', (raw) => {
        const msg = raw as CallersReply;
        if (msg.type === 'ready') {
          const run: CallersRequest = { type: 'run', port, rate, durationS, hangupInIvr };
          proc.send(run);
          onStart();
        } else if (msg.type === 'done') {
          clearTimeout(timer);
          resolve({ calls: msg.calls, requests: msg.requests });
        } else {
          clearTimeout(timer);
          reject(new Error(`callers: ${msg.message}`));
        }
      });
    });
  } finally {
    proc.removeAllListeners('exit');
    if (proc.connected) proc.disconnect();
    if (proc.exitCode === null) setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  }
}

/** Reads, straight from PostgreSQL (not through the proxy), what became of each call. */
async function inspect(client: pg.Pool, calls: CallResult[], callsPlaced: number, runStartWall: number) {
  const sids = calls.map((c) => c.callSid);
  const rows = (await client.query<{ id: string; providerCallId: string; status: string; endStatus: string | null; durationSeconds: number | null; endedAt: Date | null }>(
    `SELECT "id", "providerCallId", "status", "endStatus", "durationSeconds", "endedAt" FROM "Call" WHERE "provider" = 'twilio' AND "providerCallId" = ANY($1::text[])`,
    [sids],
  )).rows;
  const keys = sids.map((s) => `call:twilio:${s}`);
  const entries = (await client.query<{ idempotencyKey: string; callId: string | null }>(`SELECT "idempotencyKey", "callId" FROM "Interaction" WHERE "idempotencyKey" = ANY($1::text[])`, [keys])).rows;
  const steps = (await client.query<{ providerCallId: string; seq: number }>(
    `SELECT c."providerCallId", s."seq" FROM "CallStep" s JOIN "Call" c ON c."id" = s."callId" WHERE c."providerCallId" = ANY($1::text[])`,
    [sids],
  )).rows;
  const byCall = new Map<string, (typeof rows)[number][]>();
  for (const r of rows) byCall.set(r.providerCallId, [...(byCall.get(r.providerCallId) ?? []), r]);
  const entriesByKey = new Map<string, (typeof entries)[number][]>();
  for (const e of entries) entriesByKey.set(e.idempotencyKey, [...(entriesByKey.get(e.idempotencyKey) ?? []), e]);
  const stepsByCall = new Map<string, Set<number>>();
  for (const s of steps) stepsByCall.set(s.providerCallId, (stepsByCall.get(s.providerCallId) ?? new Set()).add(s.seq));

  const incomplete: Record<string, number> = {};
  const miss = (why: string) => (incomplete[why] = (incomplete[why] ?? 0) + 1);
  let complete = 0;
  let stepsMissing = 0;
  for (const c of calls) {
    const row = byCall.get(c.callSid);
    const entry = entriesByKey.get(`call:twilio:${c.callSid}`) ?? [];
    if (c.answeredSeqs.some((seq) => !stepsByCall.get(c.callSid)?.has(seq))) stepsMissing += 1;
    if (!row || row.length !== 1) miss(row ? 'Call row doubled' : 'no Call row');
    else if (entry.length !== 1) miss(entry.length ? 'timeline entry doubled' : 'no timeline entry');
    else if (entry[0]!.callId !== row[0]!.id) miss('timeline entry not linked to the call');
    else if (row[0]!.status !== 'completed' || row[0]!.endStatus !== 'completed' || !row[0]!.endedAt) miss(`not ended (status ${row[0]!.status})`);
    else if (row[0]!.durationSeconds !== c.durationSeconds) miss('wrong duration');
    else complete += 1;
  }

  const count = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
  const doubled = {
    'Call (provider, CallSid)': await count(`SELECT count(*) AS n FROM (SELECT 1 FROM "Call" GROUP BY "provider", "providerCallId" HAVING count(*) > 1) x`),
    'Interaction idempotencyKey': await count(`SELECT count(*) AS n FROM (SELECT 1 FROM "Interaction" GROUP BY "idempotencyKey" HAVING count(*) > 1) x`),
    'Interaction per call': await count(`SELECT count(*) AS n FROM (SELECT 1 FROM "Interaction" WHERE "callId" IS NOT NULL GROUP BY "callId" HAVING count(*) > 1) x`),
    'QueueEntry per call': await count(`SELECT count(*) AS n FROM (SELECT 1 FROM "QueueEntry" GROUP BY "callId" HAVING count(*) > 1) x`),
  };
  const offers = `FROM "Reservation" r JOIN "QueueEntry" q ON q."id" = r."entryId" JOIN "Call" c ON c."id" = q."callId"`;
  // Callers who reached a queue, and how long they waited for their first offer (if any).
  const queued = (await client.query<{ waitMs: number | null }>(
    `SELECT (SELECT extract(epoch FROM min(r."createdAt") - q."enqueuedAt") * 1000 FROM "Reservation" r WHERE r."entryId" = q."id")::float8 AS "waitMs"
       FROM "QueueEntry" q JOIN "Call" c ON c."id" = q."callId" WHERE c."providerCallId" = ANY($1::text[])`,
    [sids],
  )).rows;
  const waits = queued.flatMap((q) => (q.waitMs === null ? [] : [q.waitMs])).sort((a, b) => a - b);
  const offersBySecond: number[] = [];
  for (const row of (await client.query<{ s: number; n: string }>(
    `SELECT floor((extract(epoch FROM "createdAt") * 1000 - $1) / 1000)::int AS s, count(*) AS n FROM "Reservation" GROUP BY 1 ORDER BY 1`,
    [runStartWall],
  )).rows) {
    if (row.s >= 0) offersBySecond[row.s] = Number(row.n);
  }
  const agentStates: Record<string, number> = {};
  for (const a of (await client.query<{ state: string; n: string }>(`SELECT "state", count(*) AS n FROM "Agent" GROUP BY "state"`)).rows) agentStates[a.state] = Number(a.n);
  return {
    complete,
    incomplete,
    stepsMissing,
    doubled,
    callRows: await count(`SELECT count(*) AS n FROM "Call"`),
    callsPlaced,
    queuedCalls: queued.length,
    offeredCalls: waits.length,
    firstOfferWait: { p50: percentile(waits, 50), max: waits.at(-1) ?? NaN },
    offersBySecond: [...offersBySecond].map((n) => n ?? 0),
    pendingForEnded: await count(`SELECT count(*) AS n ${offers} WHERE r."status" = 'pending' AND c."endedAt" IS NOT NULL`),
    // An offer made well after the caller's end reached us (the end can race an offer by a few ms).
    offeredAfterHangUp: await count(`SELECT count(*) AS n ${offers} WHERE r."createdAt" > c."endedAt" + interval '1 second'`),
    leftInLine: await count(`SELECT count(*) AS n FROM "QueueEntry" q JOIN "Call" c ON c."id" = q."callId" WHERE q."status" <> 'done' AND c."endedAt" IS NOT NULL`),
    agentStates,
  };
}

/** One run from an empty schema to its dropped schema: the same steps with or without the outage. */
async function run(outage: boolean): Promise<RunReport> {
  const label = outage ? `outage (${fault} ${outageForS} s at ${outageAtS} s)` : 'baseline (no outage)';
  const schema = `bench_out_${randomBytes(5).toString('hex')}`;
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'bench-outage-spool-'));
  console.log(`\n[${label}] schema ${schema}, spool ${spoolDir}`);
  const direct = await openDatabase({ databaseUrl, schema, dataDir: '' });
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(databaseUrl);
  viaProxy.host = `${proxy.host}:${proxy.port}`;
  const reader = new pg.Pool({ connectionString: databaseUrl, max: 2, options: `-c search_path=${schema}` });
  let proxied: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let built: ReturnType<typeof buildApp> | undefined;
  let server: http.Server | undefined;
  try {
    // The schema engine's server-wide lock gives up after 10 s: take turns with the service
    // tests (test/helpers/test-db.ts waits on the same lock) if they run at the same time.
    const lock = new pg.Client({ connectionString: databaseUrl });
    await lock.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(20261128)');
      await direct.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
    } finally {
      await lock.end();
    }
    proxied = await openDatabase({ databaseUrl: viaProxy.toString(), dataDir: '', schema, timeoutMs: 1000 });
    const app = buildApp({
      config: {
        publicBaseUrl: PUBLIC_BASE_URL,
        // Nobody accepts an offer, so Twilio's REST API is never called; a closed port all the same.
        twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: AUTH_TOKEN, callerId: '+966920000000', apiBaseUrl: 'http://127.0.0.1:9' },
        jwt: { secret: 'bench-jwt-secret-that-is-long-enough' },
        crmLookupBudgetMs: 400,
      },
      db: proxied.prisma,
      logger: pino({ level: process.env.OUTAGE_LOG ?? 'silent' }),
      answerBudgetMs: 900,
      spoolDir,
    });
    built = app;
    const weekly = { sun: ALL_DAY, mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY };
    await app.services.flows.publish('main', { ...demoFlowDefinition, hours: { ...demoFlowDefinition.hours, weekly, holidays: [] } }, { comment: 'bench' });
    for (const q of QUEUES) await app.services.rules.addQueue(q, {});
    for (let i = 1; i <= agentCount; i++) {
      const id = `agent-${i}`;
      await app.services.agents.upsert(id, { name: id, skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: `client-${id}` });
      await app.services.presence.setStatus(id, { status: 'available' }, 'bench');
    }
    app.services.routing.start();

    // Server-side time of each request, beside the callers' view, to tell app from generator.
    const serverMs: number[] = [];
    server = http.createServer((req, res) => {
      const t = performance.now();
      res.once('finish', () => serverMs.push(performance.now() - t));
      app.app(req, res);
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    if (warmupS > 0) {
      console.log(`[${label}] warm-up: ${rate} calls/s for ${warmupS} s (not counted)`);
      const warm = await placeCalls(port, warmupS, () => {});
      await Promise.race([app.services.calls.kept.drained(), sleep(drainTimeoutS * 1000)]);
      console.log(`[${label}] warm-up done: ${warm.calls.length} calls`);
    }
    serverMs.length = 0;
    const warmCalls = (await reader.query<{ n: string }>(`SELECT count(*) AS n FROM "Call"`)).rows[0]!.n;

    let spoolPeakRecords = 0;
    let spoolPeakBytes = 0;
    let passedAt: number | undefined;
    let lastBusyAt: number | undefined;
    let spoolBusyMs = 0;
    const spoolBySecond: number[] = [];
    let runStart = performance.now();
    let runStartWall = Date.now();
    const sampler = setInterval(() => {
      const depth = app.services.calls.kept.depth();
      spoolPeakRecords = Math.max(spoolPeakRecords, depth);
      spoolPeakBytes = Math.max(spoolPeakBytes, app.services.calls.kept.bytes());
      if (depth > 0) spoolBusyMs += 100;
      if (depth > 0 && passedAt !== undefined) lastBusyAt = performance.now();
      const second = Math.floor((performance.now() - runStart) / 1000);
      if (spoolBySecond[second] === undefined) spoolBySecond[second] = depth;
    }, 100);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const timers: NodeJS.Timeout[] = [];
    console.log(`[${label}] ${rate} calls/s for ${durationS} s`);
    const placed = await placeCalls(port, durationS, () => {
      runStart = performance.now();
      runStartWall = Date.now();
      if (!outage) return;
      timers.push(
        setTimeout(() => {
          console.log(`[${label}] ${fault} at ${outageAtS} s`);
          if (fault === 'hang') proxy.hang();
          else proxy.drop();
        }, outageAtS * 1000),
        setTimeout(() => {
          console.log(`[${label}] pass at ${outageAtS + outageForS} s (spool ${app.services.calls.kept.depth()} records)`);
          proxy.pass();
          passedAt = performance.now();
        }, (outageAtS + outageForS) * 1000),
      );
    });
    for (const t of timers) clearTimeout(t);
    loop.disable();
    console.log(`[${label}] callers done: ${placed.calls.length} calls, ${placed.requests.length} webhooks; waiting for the spool (${app.services.calls.kept.depth()} records)`);
    const drained = await Promise.race([app.services.calls.kept.drained().then(() => true), sleep(drainTimeoutS * 1000).then(() => false)]);
    await sleep(settleS * 1000);
    clearInterval(sampler);

    const reqs = placed.requests;
    const sorted = reqs.map((r) => r.ms).sort((a, b) => a - b);
    const inWindow = reqs.filter((r) => r.dueAt >= outageAtS * 1000 && r.dueAt < (outageAtS + outageForS) * 1000);
    const windowSorted = inWindow.map((r) => r.ms).sort((a, b) => a - b);
    const inTime = (r: RequestResult) => r.status >= 200 && r.status < 300 && r.ms <= ANSWER_TARGET_MS;
    const hookStats = (rs: RequestResult[]) => ({ requests: rs.length, answeredInTime: rs.filter(inTime).length, max: Math.max(0, ...rs.map((r) => r.ms)) });
    const checked = await inspect(reader, placed.calls, placed.calls.length + Number(warmCalls), runStartWall);
    if (args.dump) writeFileSync(`${args.dump}.${outage ? 'outage' : 'baseline'}.json`, JSON.stringify({ calls: placed.calls, requests: reqs }));
    const deadPath = path.join(spoolDir, 'dead.jsonl');
    const setAside = existsSync(deadPath) ? readFileSync(deadPath, 'utf8').split('\n').filter(Boolean).length : 0;
    return {
      label,
      outage,
      calls: placed.calls.length,
      requests: reqs.length,
      answeredInTime: reqs.filter(inTime).length,
      byHook: { callers: hookStats(reqs.filter((r) => r.hook !== 'status')), status: hookStats(reqs.filter((r) => r.hook === 'status')) },
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
      window: outage
        ? { requests: inWindow.length, answeredInTime: inWindow.filter(inTime).length, p99: percentile(windowSorted, 99), max: windowSorted.at(-1) ?? NaN }
        : undefined,
      non2xx: reqs.filter((r) => r.status !== 0 && (r.status < 200 || r.status >= 300)).length,
      failed: reqs.filter((r) => r.status === 0).length,
      fallbacks: reqs.filter((r) => r.fallback).length,
      generatorLagMax: Math.max(0, ...reqs.map((r) => r.lagMs)),
      serverMax: Math.max(0, ...serverMs),
      serverOver: serverMs.filter((t) => t > ANSWER_TARGET_MS).length,
      loopDelayMax: loop.max / 1e6,
      ...checked,
      spoolPeakRecords,
      spoolPeakBytes,
      drainMs: passedAt === undefined ? undefined : lastBusyAt === undefined ? 0 : lastBusyAt - passedAt + 100,
      spoolBusyMs,
      spoolBySecond: [...spoolBySecond].map((d) => d ?? 0),
      drained,
      setAside,
    };
  } finally {
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    await built?.shutdown().catch((err: unknown) => console.error('shutdown:', err));
    await proxied?.close().catch(() => {});
    await proxy.close();
    await reader.end().catch(() => {});
    await direct.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((err: unknown) => console.error(`could not drop ${schema}:`, err));
    await direct.close().catch(() => {});
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
const pct = (n: number, of: number) => `${n.toLocaleString('en-US')} / ${of.toLocaleString('en-US')} (${of ? ((100 * n) / of).toFixed(1) : '—'} %)`;
const list = (r: Record<string, number>) => Object.entries(r).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

function printReport(reports: RunReport[]): void {
  const rows: Array<[string, (r: RunReport) => string]> = [
    ['calls placed', (r) => r.calls.toLocaleString('en-US')],
    ['webhooks answered ≤ 1 s (2xx)', (r) => pct(r.answeredInTime, r.requests)],
    ['webhook p50 / p99 / max ms', (r) => `${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)}`],
    ['  voice + gather ≤ 1 s; max ms', (r) => `${pct(r.byHook.callers.answeredInTime, r.byHook.callers.requests)}; ${ms(r.byHook.callers.max)}`],
    ['  status callbacks ≤ 1 s; max ms', (r) => `${pct(r.byHook.status.answeredInTime, r.byHook.status.requests)}; ${ms(r.byHook.status.max)}`],
    ['  due during the outage: ≤ 1 s', (r) => (r.window ? pct(r.window.answeredInTime, r.window.requests) : '—')],
    ['  due during the outage: p99 / max ms', (r) => (r.window ? `${ms(r.window.p99)} / ${ms(r.window.max)}` : '—')],
    ['webhook non-2xx / no answer', (r) => `${r.non2xx} / ${r.failed}`],
    ['fallback answers (apology + general)', (r) => r.fallbacks.toLocaleString('en-US')],
    ['generator lag max ms (sent − due)', (r) => ms(r.generatorLagMax)],
    ['app: server-side > 1 s / max ms', (r) => `${r.serverOver} / ${ms(r.serverMax)}`],
    ['app: event-loop delay max ms', (r) => ms(r.loopDelayMax)],
    ['complete timelines', (r) => pct(r.complete, r.calls)],
    ['  incomplete, why', (r) => list(r.incomplete)],
    ['calls with an answered step not recorded', (r) => r.stepsMissing.toLocaleString('en-US')],
    ['doubled rows', (r) => list(r.doubled)],
    ['Call rows / calls placed (incl. warm-up)', (r) => `${r.callRows} / ${r.callsPlaced}`],
    ['queued callers offered to an agent', (r) => pct(r.offeredCalls, r.queuedCalls)],
    ['  wait for the first offer p50 / max ms', (r) => `${ms(r.firstOfferWait.p50)} / ${ms(r.firstOfferWait.max)}`],
    ['pending offers for ended calls', (r) => String(r.pendingForEnded)],
    ['offers made > 1 s after the hang-up', (r) => String(r.offeredAfterHangUp)],
    ['ended callers still in line', (r) => String(r.leftInLine)],
    ['agents at the end', (r) => Object.entries(r.agentStates).map(([s, n]) => `${s} ${n}`).join(', ')],
    ['spool peak records / bytes', (r) => `${r.spoolPeakRecords.toLocaleString('en-US')} / ${r.spoolPeakBytes.toLocaleString('en-US')}`],
    ['spool drained after pass() in ms', (r) => (r.drained ? (r.drainMs === undefined ? '—' : ms(r.drainMs)) : `NOT drained within ${drainTimeoutS} s`)],
    ['spool non-empty in all, s (offers held)', (r) => (r.spoolBusyMs / 1000).toFixed(1)],
    ['spool records set aside (dead.jsonl)', (r) => String(r.setAside)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const colW = reports.map((r) => Math.max(r.label.length, ...rows.map(([, f]) => f(r).length)));
  const line = (k: string, cells: string[]) => `${k.padEnd(width)} | ${cells.map((c, i) => c.padEnd(colW[i]!)).join(' | ')}`;
  console.log(`\n${line('', reports.map((r) => r.label))}`);
  console.log(`${'-'.repeat(width)}-+-${colW.map((w) => '-'.repeat(w)).join('-+-')}`);
  for (const [k, f] of rows) console.log(line(k, reports.map(f)));

  for (const r of reports) {
    console.log(`\n${r.label}, by second of the run:`);
    console.log(`  spool depth: ${r.spoolBySecond.join(' ')}`);
    console.log(`  offers made: ${r.offersBySecond.join(' ')}`);
  }
  console.log('\nTargets:');
  for (const r of reports) {
    const nothingDoubled = Object.values(r.doubled).every((n) => n === 0) && r.callRows <= r.callsPlaced;
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    console.log(`  ${r.label}:`);
    const late = (h: { requests: number; answeredInTime: number }) => h.requests - h.answeredInTime;
    console.log(
      `    every caller answered within 1 s: ${verdict(r.answeredInTime === r.requests)} (${r.requests - r.answeredInTime} of ${r.requests} webhooks over 1 s or not 2xx: ` +
        `${late(r.byHook.callers)} voice/gather, ${late(r.byHook.status)} status callbacks)`,
    );
    console.log(`    100 % of timelines complete:      ${verdict(r.complete === r.calls)} (${((100 * r.complete) / Math.max(1, r.calls)).toFixed(1)} %)`);
    console.log(`    nothing doubled:                  ${verdict(nothingDoubled)}`);
  }
}

console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const version = await (async () => {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
  } finally {
    await c.end();
  }
})();
console.log(`database: PostgreSQL ${version} at ${new URL(databaseUrl).host}; ${rate} calls/s for ${durationS} s, ${agentCount} agents, ${(hangupInIvr * 100).toFixed(0)} % hang up in the IVR`);

let exitCode = 0;
try {
  const reports: RunReport[] = [];
  if (!args['no-baseline']) reports.push(await run(false));
  reports.push(await run(true));
  printReport(reports);
} catch (err) {
  console.error(err);
  exitCode = 1;
}
process.exit(exitCode);
