/**
 * npm run bench:screenpop [-- --agents 2000 --rate 100 --duration 20 --warmup 15 --history 3 --baseline-bytes 2048 --profile DIR]
 *
 * Screen-pop latency of the real app under load: BENCH agents connected to /ws/agent and
 * available, calls arriving at `rate`/s for `duration` s through signed Twilio webhooks
 * (voice, then the main menu's gather with Digits=2 -> support queue), real routing
 * (enqueue's immediate dispatch + the 1 s tick). Each agent acks its pop and never accepts,
 * so it stays reserved and every call goes to a different agent (calls are capped at agents).
 *
 * Database: DATABASE_URL (a throwaway bench_sp_<hex> schema, dropped at the end) or in-memory
 * PGlite. A report, not a test: exits 0 unless the harness itself breaks.
 *
 * Clocks. Every timestamp is hrWall() = process.hrtime (CLOCK_MONOTONIC, one clock for every
 * process on this machine), taken in the process where the event happens, except a.row
 * below, which is wall-clock milliseconds on both ends (Date). Measured:
 *   (a)  reservation -> pop received on the agent's socket, two ways:
 *        a.row:    the Reservation row's createdAt, recovered from the pop as
 *                  reservation.expiresAt - offerTimeout. That is routing's `now` taken at the
 *                  START of the dispatch pass (before it reads the queue and the free agents),
 *                  stored with millisecond resolution and compared with Date.now() at receipt
 *                  (±1 ms); it also includes the dispatch pass's own reads. The stricter number.
 *        a.commit: the child's stamp when routing's offer statement returned — reservation,
 *                  agent, pop message and call event committed together. Sub-ms; what
 *                  "the reservation exists -> the agent sees it" means.
 *        and its split: commit -> ws.send done in the child (delivery through the bus),
 *        ws.send -> received here.
 *   (b)  first webhook sent (the caller's first ring) -> pop received.
 *   floor: a bare ws child sending a stamped ~2 KB JSON message to one of the same number of
 *        connected clients at the same rate; sent -> received.
 *
 * Process layout: the app child (one event loop, plus Postgres backends when DATABASE_URL is
 * set), the load (sockets + webhooks) here; the floor's child runs after the app child is gone.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type WebSocket from 'ws';
import { signToken } from '../../src/auth/tokens.js';
import { normalizePhone } from '../../src/crm/phone.js';
import { stats, table, type Stats } from './harness.js';
import { seededPhone } from './phones.js';
import { closeHttpAgent, forkChild, hangUp, openClient, placeCall, pool, type CallOutcome, type SpChild } from './screenpop-load.js';
import { SP_JWT_SECRET } from './screenpop-protocol.js';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    duration: { type: 'string', default: '20' },
    history: { type: 'string', default: '3' },
    'baseline-bytes': { type: 'string', default: '2048' },
    warmup: { type: 'string', default: '15' },
    'offer-timeout-ms': { type: 'string', default: '900000' },
    profile: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
  },
});
const agents = Number(args.agents);
const rate = Number(args.rate);
const durationS = Number(args.duration);
const history = Number(args.history);
const baselineBytes = Number(args['baseline-bytes']);
const offerTimeoutMs = Number(args['offer-timeout-ms']);
const warmupS = Number(args.warmup);
if (!Number.isInteger(agents) || agents < 1 || agents > 20_000) throw new Error('--agents must be 1 … 20,000');
if (!(rate > 0 && rate <= 1000) || !(durationS > 0 && durationS <= 300)) throw new Error('--rate must be in (0, 1000], --duration in (0, 300]');
// Every call needs its own agent (nobody accepts, so nobody frees up) and its own caller.
const calls = Math.min(agents, Math.round(rate * durationS));
// Warm-up callers are hung up after their pop, which frees their agents for the measured run.
const warmCalls = Math.min(agents, Math.round(rate * warmupS));
const customers = calls + warmCalls + 100;
const P99_TARGET_MS = 20;
const HARD_LIMIT_MS = 20 * 60_000;

for (const i of [0, customers - 1]) if (normalizePhone(seededPhone(i)) !== seededPhone(i)) throw new Error(`seeded phone ${seededPhone(i)} does not normalise to itself`);

const databaseUrl = process.env.DATABASE_URL || undefined;
const schema = databaseUrl ? `bench_sp_${randomBytes(5).toString('hex')}` : undefined;
const children: SpChild[] = [];
const sockets: WebSocket[] = [];

// The whole run is bounded: whatever hangs, children are killed and we leave.
const watchdog = setTimeout(() => {
  console.error(`\nwatchdog: run exceeded ${HARD_LIMIT_MS / 60_000} min; killing children`);
  for (const c of children) c.proc.kill('SIGKILL');
  void dropSchema().finally(() => process.exit(1));
}, HARD_LIMIT_MS);
watchdog.unref();

async function dropSchema(): Promise<void> {
  if (!databaseUrl || !schema) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (err) {
    console.error(`could not drop schema ${schema}: ${String(err)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

// --- statistics ---
const f = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cpuMs(child: SpChild): Promise<{ ms: number; userMs: number }> {
  const r = await child.request({ type: 'cpu' }, 'cpu');
  return { ms: r.ms, userMs: r.userMs ?? NaN };
}

interface PopSeen {
  at: number;
  /** Date.now() at receipt: the row's createdAt is wall-clock milliseconds. */
  wall: number;
  reservationId: string;
  callId: string;
  from: string;
  expiresAt: string;
  bytes: number;
  pending: boolean;
  agentIndex: number;
}

/** Connects `n` clients with the given per-client URL/protocols; fails the run if any does not connect. */
async function connectAll(n: number, make: (i: number) => { url: string; protocols?: string[] }, onMessage: (i: number) => Parameters<typeof openClient>[2], waitFirst: boolean): Promise<WebSocket[]> {
  const out: WebSocket[] = new Array(n);
  const t0 = performance.now();
  await pool(Array.from({ length: n }, (_, i) => i), 100, async (i) => {
    const { url, protocols } = make(i);
    out[i] = await openClient(url, protocols, onMessage(i), waitFirst);
    sockets.push(out[i]!);
  });
  console.log(`  ${n} sockets connected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return out;
}

async function closeSockets(): Promise<void> {
  for (const ws of sockets.splice(0)) ws.terminate();
  await sleep(200);
}

async function appPhase() {
  console.log(`\nstarting app child (migrate + seed ${agents} agents, ${customers} customers x ${history} history) …`);
  const t0 = performance.now();
  const app = await forkChild('screenpop-app.ts', {
    env: {
      DATABASE_URL: databaseUrl ?? '',
      BENCH_SCHEMA: schema ?? '',
      BENCH_AGENTS: String(agents),
      BENCH_CUSTOMERS: String(customers),
      BENCH_HISTORY: String(history),
      BENCH_OFFER_TIMEOUT_MS: String(offerTimeoutMs),
    },
    execArgv: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [],
  });
  children.push(app);
  console.log(`  app ready on :${app.port} (${app.info.kind}); migrate ${app.info.migrateMs} ms, seed ${app.info.seedMs} ms, total ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // --- agents connect and go available ---
  const pops: PopSeen[] = [];
  const statusOk = new Set<number>();
  const unexpected: string[] = [];
  const wsUrl = `ws://127.0.0.1:${app.port}/ws/agent`;
  const tokens = Array.from({ length: agents }, (_, i) => signToken(SP_JWT_SECRET, { sub: `agent-${i}`, role: 'agent' }, '2h'));
  const agentSockets = await connectAll(
    agents,
    (i) => ({ url: wsUrl, protocols: ['bearer', tokens[i]!] }),
    (i) => (at, wall, m, raw, ws) => {
      if (m.type === 'screen_pop') {
        const call = m.call as { id: string; from: string };
        const reservation = m.reservation as { id: string; expiresAt: string };
        pops.push({ at, wall, reservationId: reservation.id, callId: call.id, from: call.from, expiresAt: reservation.expiresAt, bytes: raw.length, pending: m.pending === true, agentIndex: i });
        // Ack (the pipeline logs the delivery) and then neither accept nor reject.
        ws.send(JSON.stringify({ type: 'ack', id: m.id }));
      } else if (m.type === 'result' && m.for === 'status') {
        if (m.ok === true) statusOk.add(i);
        else unexpected.push(JSON.stringify(m).slice(0, 200));
      } else if (m.type === 'error' || (m.type === 'result' && m.ok === false)) unexpected.push(JSON.stringify(m).slice(0, 200));
    },
    true,
  );
  const ts = performance.now();
  for (const ws of agentSockets) ws.send(JSON.stringify({ type: 'status', status: 'available' }));
  while (statusOk.size < agents && performance.now() - ts < 60_000) await sleep(50);
  console.log(`  ${statusOk.size}/${agents} agents available in ${((performance.now() - ts) / 1000).toFixed(1)} s`);
  await sleep(1500); // let the dispatches the status changes started settle

  /** Places n calls open-loop at `rate`; at most 1,000 in flight. */
  async function placeCalls(n: number, phoneOf: (k: number) => string, outcomes: CallOutcome[], inFlight: Set<Promise<void>>): Promise<{ skipped: number; sendS: number }> {
    let skipped = 0;
    const start = performance.now();
    for (let k = 0; k < n; k++) {
      const wait = start + (k * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      const outcome: CallOutcome = { from: phoneOf(k), firstSentAt: NaN };
      outcomes.push(outcome);
      if (inFlight.size >= 1000) {
        outcome.error = 'not sent: 1000 calls already in flight';
        skipped++;
        continue;
      }
      const p = placeCall(app.port, outcome.from, outcome).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    const sendS = (performance.now() - start) / 1000;
    await Promise.race([Promise.all(inFlight), sleep(30_000)]);
    return { skipped, sendS };
  }

  // --- warm-up: a process that has just started compiles as it goes; servers in service are warm ---
  if (warmCalls > 0) {
    console.log(`  warm-up: ${warmCalls} calls at ${rate}/s, each hung up after its pop …`);
    const warm: CallOutcome[] = [];
    await placeCalls(warmCalls, (k) => seededPhone(calls + k), warm, new Set());
    const tw = performance.now();
    while (pops.length < warm.filter((o) => o.queuedAt !== undefined).length && performance.now() - tw < 30_000) await sleep(100);
    await pool(warm.filter((o) => o.callSid), 50, (o) => hangUp(app.port, o.from, o.callSid!).catch((err: unknown) => void unexpected.push(`hang-up: ${String(err)}`)));
    await sleep(3000); // offers cancelled, agents back to available, dispatches settled
    console.log(`  warm-up done: ${pops.length} pops, ${warm.filter((o) => o.error).length} failed calls`);
    pops.length = 0;
  }

  // --- calls, open loop at `rate` ---
  console.log(`  placing ${calls} calls at ${rate}/s (~${(calls / rate).toFixed(0)} s) …`);
  const outcomes: CallOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  const c0 = await cpuMs(app);
  const start = performance.now();
  const { skipped, sendS } = await placeCalls(calls, seededPhone, outcomes, inFlight);
  const queued = outcomes.filter((o) => o.queuedAt !== undefined).length;
  // Wait for the pops of all queued calls (bounded), then for the acks to land.
  const tw = performance.now();
  while (new Set(pops.map((p) => p.reservationId)).size < queued && performance.now() - tw < 30_000) await sleep(100);
  const wallS = (performance.now() - start) / 1000;
  const c1 = await cpuMs(app);
  await sleep(2000);

  const stamps = await app.request({ type: 'stamps' }, 'stamps');
  const db = await app.request({ type: 'stats' }, 'stats');
  await closeSockets();
  await app.stop();
  children.splice(children.indexOf(app), 1);
  return { pops, outcomes, queued, skipped, unexpected, stamps, db, sendS, wallS, cpuBusy: (c1.ms - c0.ms) / (wallS * 1000), cpuUser: (c1.userMs - c0.userMs) / (wallS * 1000), statusOk: statusOk.size, info: app.info };
}

async function floorPhase() {
  console.log(`\nstarting bare ws child (floor): ${agents} clients, ${rate}/s for ${durationS} s, ~${baselineBytes} B messages …`);
  const echo = await forkChild('screenpop-echo.ts');
  children.push(echo);
  const lat: number[] = [];
  let bytes = 0;
  await connectAll(
    agents,
    () => ({ url: `ws://127.0.0.1:${echo.port}/` }),
    () => (at, _wall, m, raw, ws) => {
      if (m.type !== 'echo') return;
      lat.push(at - Number(m.sentAt));
      bytes = raw.length;
      ws.send(JSON.stringify({ type: 'ack', id: m.id }));
    },
    false,
  );
  await sleep(1000);
  const done = await echo.request({ type: 'echo', rate, durationS, bytes: baselineBytes }, 'echoed', (durationS + 60) * 1000);
  await sleep(500);
  await closeSockets();
  await echo.stop();
  children.splice(children.indexOf(echo), 1);
  return { lat, sent: done.sent, received: lat.length, bytes };
}

type AppResult = Awaited<ReturnType<typeof appPhase>>;

function report(app: AppResult, floor: Awaited<ReturnType<typeof floorPhase>> | undefined): void {
  const committed = new Map(app.stamps.committed);
  const written = new Map(app.stamps.written);
  const firstSent = new Map(app.outcomes.map((o) => [o.from, o.firstSentAt]));
  const live = app.pops.filter((p) => !p.pending);
  const byRes = new Map<string, PopSeen>();
  for (const p of live) if (!byRes.has(p.reservationId)) byRes.set(p.reservationId, p);
  const uniq = [...byRes.values()];

  const aRow = uniq.map((p) => p.wall - (Date.parse(p.expiresAt) - offerTimeoutMs));
  const aCommit = uniq.map((p) => p.at - (committed.get(p.reservationId) ?? NaN));
  const segSend = uniq.map((p) => (written.get(p.reservationId) ?? NaN) - (committed.get(p.reservationId) ?? NaN));
  const segWire = uniq.map((p) => p.at - (written.get(p.reservationId) ?? NaN));
  const b = uniq.map((p) => p.at - (firstSent.get(p.from) ?? NaN));
  const queuedToPop = uniq.map((p) => p.at - (app.outcomes.find((o) => o.from === p.from)?.queuedAt ?? NaN));
  const fl = floor ? stats(floor.lat) : undefined;

  const errors = app.outcomes.filter((o) => o.error);
  const errorKinds = new Map<string, number>();
  for (const e of errors) errorKinds.set(e.error!.slice(0, 80), (errorKinds.get(e.error!.slice(0, 80)) ?? 0) + 1);
  const avgBytes = uniq.length ? Math.round(uniq.reduce((s, p) => s + p.bytes, 0) / uniq.length) : 0;
  const perAgent = new Map<number, number>();
  for (const p of live) perAgent.set(p.agentIndex, (perAgent.get(p.agentIndex) ?? 0) + 1);

  console.log(`\n=== screen pop latency — ${app.info.kind}, ${agents} agents on sockets, ${calls} calls at ${rate}/s, latencies in ms ===`);
  const rows: string[][] = [['measure', 'n', 'p50', 'p99', 'max', `p99 / floor p99`]];
  const row = (name: string, v: number[]) => {
    const s = stats(v);
    rows.push([name, String(s.n), f(s.p50), f(s.p99), f(s.max), fl ? `${(s.p99 / fl.p99).toFixed(1)}x` : '-']);
    return s;
  };
  const sRow = row('(a) reservation row createdAt -> pop received', aRow);
  const sIns = row('(a) offer committed -> pop received', aCommit);
  row('    commit -> ws.send done (bus, hub)', segSend);
  row('    ws.send done -> received (wire + client loop)', segWire);
  row('(b) first webhook sent -> pop received', b);
  row('    gather answered (queued) -> pop received', queuedToPop);
  if (fl) rows.push([`floor: bare ws, ${floor!.bytes} B JSON -> 1 of ${agents} clients @${rate}/s`, String(fl.n), f(fl.p50), f(fl.p99), f(fl.max), '1.0x']);
  console.log(table(rows));
  // Over time: a tail that sits in the first seconds is a cold process (JIT, pools), not the steady state.
  const t0 = Math.min(...uniq.map((p) => p.wall));
  const windows = new Map<number, number[]>();
  uniq.forEach((p, i) => {
    const w = Math.floor((p.wall - t0) / 5000);
    windows.set(w, [...(windows.get(w) ?? []), aRow[i]!]);
  });
  console.log(
    `dispatch pass began -> pop, by 5 s of the run (p50/p99 ms): ` +
      [...windows].sort((a, b) => a[0] - b[0]).map(([w, v]) => `${w * 5}-${w * 5 + 5}s ${f(stats(v).p50)}/${f(stats(v).p99)}`).join(', '),
  );

  console.log(
    `\ncalls: ${calls} placed (${app.skipped} not sent), ${app.queued} queued (2 webhooks answered, <Enqueue>support), ${errors.length} failed` +
      (errorKinds.size ? ` [${[...errorKinds].map(([k, n]) => `${n}x ${k}`).join('; ')}]` : ''),
  );
  console.log(
    `pops: ${uniq.length} received live (${app.pops.length - live.length} replayed as pending, ${live.length - uniq.length} duplicates), on ${perAgent.size} distinct agents; ` +
      `${uniq.length}/${app.queued} of queued calls popped; average pop frame ${avgBytes} B`,
  );
  console.log(
    `app database after the run: ${app.db.calls} calls, ${app.db.queued} queue entries, ${app.db.reservations} reservations (${app.db.pending} pending), ` +
      `${app.db.pops} screen_pop messages (${app.db.acked} acked), ${app.db.delivered} pop_delivered call events; agents ${JSON.stringify(app.db.agentStates)}`,
  );
  console.log(`load: ${app.statusOk}/${agents} agents available; calls sent over ${app.sendS.toFixed(1)} s (${(calls / app.sendS).toFixed(1)}/s), phase ${app.wallS.toFixed(1)} s; app child CPU busy ${(100 * app.cpuBusy).toFixed(0)} % of a core (user ${(100 * app.cpuUser).toFixed(0)} %, kernel ${(100 * (app.cpuBusy - app.cpuUser)).toFixed(0)} %)`);
  if (app.unexpected.length) console.log(`unexpected socket messages: ${app.unexpected.length}, e.g. ${app.unexpected.slice(0, 3).join(' | ')}`);
  if (floor) console.log(`floor: ${floor.received}/${floor.sent} messages received`);

  const missed: string[] = [];
  if (sIns.p99 > P99_TARGET_MS) missed.push(`p99 offer commit -> socket ${f(sIns.p99)} ms > ${P99_TARGET_MS} ms`);
  if (sRow.p99 > P99_TARGET_MS) missed.push(`p99 reservation createdAt -> socket ${f(sRow.p99)} ms > ${P99_TARGET_MS} ms`);
  if (uniq.length < app.queued) missed.push(`${app.queued - uniq.length} queued calls never popped within 30 s`);
  if (errors.length) missed.push(`${errors.length} calls failed in the webhooks`);
  console.log(missed.length ? `\nTARGET (p99 <= ${P99_TARGET_MS} ms reservation -> socket) MISSED:\n  - ${missed.join('\n  - ')}` : `\ntarget met: p99 <= ${P99_TARGET_MS} ms reservation -> socket, every queued call popped`);
}

let exitCode = 0;
try {
  console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}; node ${process.version}`);
  console.log(`database: ${databaseUrl ? `postgres, schema ${schema} (dropped at the end)` : 'PGlite in memory'}; offer timeout ${offerTimeoutMs} ms`);
  const app = await appPhase();
  const floor = args['no-baseline'] ? undefined : await floorPhase();
  report(app, floor);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await closeSockets();
  await Promise.all(children.map((c) => c.stop()));
  await dropSchema();
  closeHttpAgent();
  clearTimeout(watchdog);
}
process.exit(exitCode);
