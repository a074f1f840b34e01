/**
 * npm run bench:routing [-- --iterations N] [--rules R] [--agents A] [--seed S]
 *
 * Per-call cost of the routing hot path, decide() + requirementsAt() + selectAgent(),
 * over a 200-rule set whose match sits near the end (the worst realistic case: almost
 * every condition is evaluated) and 5,000 agents. Printed beside a trivial baseline
 * measured in the same run (first available agent from the array), so machine speed
 * cancels out of the ratio. A report, not a test: exits 0 whatever the numbers.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  compileRuleSet,
  decide,
  fillContextDefaults,
  requirementsAt,
  selectAgent,
  validateRuleSet,
  type AgentSnapshot,
  type AgentState,
  type RoutingContext,
} from '../../src/routing/rules/index.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20000' },
    rules: { type: 'string', default: '200' },
    agents: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
  },
});
const ITERATIONS = Number(args.iterations);
const RULES = Number(args.rules);
const AGENTS = Number(args.agents);
const WARMUP = Math.min(5_000, ITERATIONS);
const TARGET_P99_US = 1_000;

// Seeded so runs are comparable; mulberry32.
let seed = Number(args.seed) >>> 0;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const QUEUES = ['general', 'billing', 'priority', 'complaints', 'support', 'sales', 'crisis'];
const SKILLS = ['billing', 'support', 'sales', 'complaints', 'arabic_senior'];
const INTENTS = ['billing', 'support', 'sales', 'complaint', 'other'];

/** Conditions shaped like real ones but never true for the generated callers. */
function nonMatchingCondition(i: number): string {
  const shapes = [
    () => `customer.tier == "tier_${i}" && call.language == "ar"`,
    () => `customer.accountValue > ${1_000_000 + i}.0 || customer.openComplaints > ${100 + i}`,
    () => `ivr.intent == "intent_${i}" && customer.known`,
    () => `"menu_${i}" in ivr.path`,
    () => `call.from.startsWith("+999${i}")`,
    () => `customer.sentiment < -2.0 && call.waitSeconds > ${i}`,
    () => `ivr.path.exists(p, p == "node_${i}")`,
    () => `"k${i}" in ivr.inputs && ivr.inputs["k${i}"] == "x"`,
    () => `call.queue == "q_${i}" || (customer.tier == "t${i}" && customer.accountValue >= 10.0)`,
  ];
  return shapes[i % shapes.length]!();
}

function buildRuleSet(): unknown {
  const matchAt = RULES - 5; // the match is near the end
  const weekday = [['00:00', '24:00']];
  const rules = Array.from({ length: RULES }, (_, i) => {
    const base = {
      name: `rule-${i}`,
      queue: pick(QUEUES),
      skills: rand() < 0.5 ? { [pick(SKILLS)]: 1 + Math.floor(rand() * 3) } : {},
      priority: Math.floor(rand() * 100),
      steps: [{ afterSeconds: 30, skills: {} }, { afterSeconds: 120, queue: 'general', offerCallback: true }],
    };
    if (i === matchAt) return { ...base, when: 'call.language == "ar" || call.language == "en"', skills: { billing: 1 }, preferLastAgent: { withinHours: 72 } };
    // Some rules carry hours so the hours path is part of the measurement.
    if (i % 20 === 0) return { ...base, when: nonMatchingCondition(i), hours: { weekly: { sun: weekday, mon: weekday, tue: weekday, wed: weekday, thu: weekday } } };
    return { ...base, when: nonMatchingCondition(i) };
  });
  return { rules, default: { queue: 'general', priority: 10 } };
}

function buildAgents(): AgentSnapshot[] {
  const states: AgentState[] = ['available', 'available', 'busy', 'wrap_up', 'away', 'offline', 'reserved'];
  const now = Date.now();
  return Array.from({ length: AGENTS }, (_, i) => {
    const skills: Record<string, number> = {};
    for (const s of SKILLS) if (rand() < 0.4) skills[s] = 1 + Math.floor(rand() * 5);
    const maxConcurrency = rand() < 0.8 ? 1 : 3;
    return {
      id: `agent-${String(i).padStart(5, '0')}`,
      state: pick(states),
      skills,
      languages: rand() < 0.3 ? ['ar', 'en'] : [pick(['ar', 'en'])],
      activeCount: Math.floor(rand() * (maxConcurrency + 1)),
      maxConcurrency,
      idleSince: now - Math.floor(rand() * 3_600_000),
    };
  });
}

function buildContexts(n: number, agents: AgentSnapshot[]): RoutingContext[] {
  return Array.from({ length: n }, (_, i) =>
    fillContextDefaults({
      call: { from: `+96650${String(i).padStart(7, '0')}`, language: pick(['ar', 'en']), waitSeconds: Math.floor(rand() * 200) },
      customer: {
        known: rand() < 0.7,
        tier: pick(['', 'silver', 'gold', 'platinum']),
        accountValue: Math.floor(rand() * 50_000),
        openComplaints: Math.floor(rand() * 3),
        sentiment: rand() * 2 - 1,
        lastAgentId: rand() < 0.3 ? pick(agents).id : '',
      },
      ivr: { path: ['lang', 'main', pick(INTENTS)], intent: pick(INTENTS), inputs: { account: String(i) } },
    }),
  );
}

function percentiles(samplesNs: Float64Array): { p50: number; p99: number; max: number; mean: number } {
  const sorted = Float64Array.from(samplesNs).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! / 1_000;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length / 1_000;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! / 1_000, mean };
}

/** Time `fn(i)` per call; warm-up iterations let the JIT settle and are not recorded. */
function measure(fn: (i: number) => unknown): Float64Array {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) if (fn(i) !== undefined) sink++;
  const samples = new Float64Array(ITERATIONS);
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    const r = fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0);
    if (r !== undefined) sink++;
  }
  if (sink < 0) console.log(sink); // keep results observable so nothing is optimised away
  return samples;
}

const validation = validateRuleSet(buildRuleSet(), { queues: QUEUES, skills: SKILLS });
if (!validation.valid) {
  console.error('generated rule set is invalid:', validation.errors.slice(0, 5));
  process.exit(1);
}
const compiled = compileRuleSet(validation.ruleSet, 1);
const agents = buildAgents();
const contexts = buildContexts(1_000, agents);
const now = new Date();

// Sanity: the intended rule is the one that matches.
const sample = decide(compiled, contexts[0]!, now);
const matchRule = sample.rule;

const baseline = measure(() => {
  for (let i = 0; i < agents.length; i++) if (agents[i]!.state === 'available') return agents[i];
  return undefined;
});
// A second reference: the unavoidable cost of looking at every agent once.
const scanBaseline = measure(() => {
  let best: AgentSnapshot | undefined;
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    if (a.state === 'available' && (best === undefined || a.idleSince < best.idleSince)) best = a;
  }
  return best;
});
const decideOnly = measure((i) => decide(compiled, contexts[i % contexts.length]!, now));
const selectOnly = (() => {
  const req = requirementsAt(sample, 0);
  return measure((i) => selectAgent(agents, { skills: req.skills, language: contexts[i % contexts.length]!.call.language }));
})();
const full = measure((i) => {
  const ctx = contexts[i % contexts.length]!;
  const decision = decide(compiled, ctx, now);
  const req = requirementsAt(decision, ctx.call.waitSeconds);
  return selectAgent(agents, {
    skills: req.skills,
    language: ctx.call.language,
    ...(decision.preferLastAgent ? { preferAgentId: decision.preferLastAgent.agentId } : {}),
  });
});

const rows: Array<[string, Float64Array]> = [
  ['baseline: first available agent', baseline],
  ['reference: longest idle, plain full scan', scanBaseline],
  ['decide() only', decideOnly],
  ['selectAgent() only', selectOnly],
  ['decide()+requirementsAt()+selectAgent()', full],
];
const base = percentiles(baseline);
console.log(`routing bench: ${RULES} rules (match at '${matchRule}', ${sample.skipped.length} skipped), ${AGENTS} agents, ${ITERATIONS} iterations after ${WARMUP} warm-up, node ${process.version}`);
// Latency on a shared box depends on what else runs; print it so numbers can be judged.
console.log(`cpus ${cpus().length}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('');
const ratio = (x: number, b: number) => (b > 0 ? `${Math.round(x / b)}x` : 'n/a');
console.log(
  `${'measurement'.padEnd(42)}${'p50 µs'.padStart(9)}${'p99 µs'.padStart(9)}${'max µs'.padStart(10)}${'mean µs'.padStart(9)}${'p50/base'.padStart(10)}${'p99/base'.padStart(10)}`,
);
for (const [label, samples] of rows) {
  const p = percentiles(samples);
  console.log(
    `${label.padEnd(42)}${p.p50.toFixed(1).padStart(9)}${p.p99.toFixed(1).padStart(9)}${p.max.toFixed(1).padStart(10)}${p.mean.toFixed(1).padStart(9)}${ratio(p.p50, base.p50).padStart(10)}${ratio(p.p99, base.p99).padStart(10)}`,
  );
}
console.log('(the baseline is near the timer resolution, so its ratios mostly show absolute cost)');
const fullP99 = percentiles(full).p99;
console.log('');
console.log(`target p99 <= ${TARGET_P99_US} µs for decide()+selectAgent(): ${fullP99 <= TARGET_P99_US ? 'MET' : 'NOT MET'} (p99 ${fullP99.toFixed(1)} µs)`);
