import { table } from './harness.js';
import type { LoadResult } from './load.js';

export interface TargetReport {
  name: string;
  warm: LoadResult;
  fixed: LoadResult;
  paced: LoadResult;
  max: LoadResult;
  half: LoadResult;
  halfRate: number;
}

const P99_TARGET_MS = 10;
const THROUGHPUT_TARGET_PCT = 50;

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const int = (v: number) => Math.round(v).toLocaleString('en-US');
const bad = (r: LoadResult) => r.errors + r.timeouts + r.non2xx;


export function printReport(r: {
  app: TargetReport;
  bare: TargetReport;
  rate: number;
  connections: number;
  durationS: number;
  stats: { calls: number; interactions: number; knownCalls: number };
  usesIndex: boolean;
  seedS: number;
  customers: number;
}): void {
  const header = [
    'target',
    'max req/s',
    `p50 @${r.rate} ac`,
    `p99 @${r.rate} ac`,
    `p50 @${r.rate} paced`,
    `p99 @${r.rate} paced`,
    'achieved paced req/s',
    'p50/p99 @half-max paced',
    'CPU ms/req @max',
    'errors/non-2xx (all phases)',
  ];
  const row = (t: TargetReport) => [
    t.name,
    int(t.max.reqPerSec),
    ms(t.fixed.p50),
    ms(t.fixed.p99),
    ms(t.paced.p50),
    ms(t.paced.p99),
    int(t.paced.reqPerSec),
    `${ms(t.half.p50)} / ${ms(t.half.p99)} @${t.halfRate}`,
    ms(t.max.cpuMsPerReq ?? NaN),
    `${int(bad(t.fixed) + bad(t.paced) + bad(t.max) + bad(t.half))} / ${int(t.fixed.total + t.paced.total + t.max.total + t.half.total)}`,
  ];
  console.log(`\n=== POST /webhooks/twilio/voice — ${r.customers.toLocaleString('en-US')} customers, ${r.durationS} s per phase, latencies in ms ===`);
  console.log('ac = autocannon overallRate (bursty: each connection sends its per-second quota back-to-back); paced = open-loop, one request every 1/rate s, latency from scheduled send');
  console.log(table([header, row(r.app), row(r.bare)]));

  const pct = (r.app.max.reqPerSec / r.bare.max.reqPerSec) * 100;
  console.log(`\napp throughput / bare throughput: ${pct.toFixed(1)} %`);
  console.log(`app p99 @${r.rate} req/s vs ${P99_TARGET_MS} ms target: autocannon ${ms(r.app.fixed.p99)} ms (${(r.app.fixed.p99 / P99_TARGET_MS).toFixed(1)}x), paced ${ms(r.app.paced.p99)} ms (${(r.app.paced.p99 / P99_TARGET_MS).toFixed(1)}x)`);

  const all = [r.app.warm, r.app.fixed, r.app.paced, r.app.max, r.app.half];
  const answers = all.reduce(
    (acc, x) => {
      for (const k of Object.keys(acc) as Array<keyof typeof acc>) acc[k] += x.answers[k];
      return acc;
    },
    { greeted: 0, languageMenu: 0, fallback: 0, other: 0, knownNotGreeted: 0 },
  );
  const ok2xx = all.reduce((s, x) => s + x.total - x.non2xx - x.errors - x.timeouts, 0);
  console.log(
    `app answers: ${int(answers.greeted)} greeted by name, ${int(answers.languageMenu)} language menu (unknown callers), ` +
      `${int(answers.fallback)} fallback-queue (answer budget blown), ${int(answers.other)} other; ` +
      `${int(answers.knownNotGreeted)} known callers not greeted (CRM lookup degraded/late)`,
  );
  console.log(`app database after the run: ${int(r.stats.calls)} Call rows (${int(r.stats.knownCalls)} with a customer), ${int(r.stats.interactions)} Interaction rows; 2xx responses counted: ${int(ok2xx)}`);
  console.log(`seed: ${r.seedS.toFixed(1)} s; phone lookup uses CustomerPhone_e164_idx: ${r.usesIndex ? 'yes' : 'NO'}`);

  const missed: string[] = [];
  if (r.app.paced.p99 > P99_TARGET_MS) missed.push(`p99 at ${r.rate} req/s (paced) ${ms(r.app.paced.p99)} ms > ${P99_TARGET_MS} ms`);
  if (r.app.fixed.p99 > P99_TARGET_MS) missed.push(`p99 at ${r.rate} req/s (autocannon) ${ms(r.app.fixed.p99)} ms > ${P99_TARGET_MS} ms`);
  if (r.app.max.reqPerSec < r.rate) missed.push(`max throughput ${int(r.app.max.reqPerSec)} req/s < ${r.rate} req/s: the fixed-rate phases were overloaded`);
  if (pct < THROUGHPUT_TARGET_PCT) missed.push(`app throughput is ${pct.toFixed(1)} % of bare Express`);
  if (r.app.half.p99 > P99_TARGET_MS) missed.push(`p99 even at ${r.app.halfRate} req/s (half its max) is ${ms(r.app.half.p99)} ms > ${P99_TARGET_MS} ms`);
  if (bad(r.app.fixed) + bad(r.app.paced) + bad(r.app.max) + bad(r.app.half) > 0) missed.push('the app returned errors / non-2xx');
  if (answers.fallback + answers.knownNotGreeted > 0) missed.push('some calls were answered degraded (fallback queue or caller not recognised)');
  console.log(missed.length ? `\nTARGETS MISSED:\n  - ${missed.join('\n  - ')}` : '\nall targets met');
}
