import http from 'node:http';
import autocannon from 'autocannon';
import { classifyAnswer, makeVoiceRequest, type AnswerKind } from './twilio-request.js';
import { percentile } from './harness.js';
import { VOICE_PATH } from './protocol.js';

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  answers: Record<AnswerKind | 'knownNotGreeted', number>;
  statuses: Record<string, number>;
  /** Server child CPU (user+system) per answered request, ms; filled in by the caller. */
  cpuMsPerReq?: number;
  /** Server child CPU busy share during the phase (1.0 = one core saturated). */
  cpuBusy?: number;
}


function emptyAnswers(): LoadResult['answers'] {
  return { greeted: 0, languageMenu: 0, fallback: 0, other: 0, knownNotGreeted: 0 };
}

function tally(answers: LoadResult['answers'], body: string, known: boolean, checkBody: boolean): void {
  if (!checkBody) return;
  const kind = classifyAnswer(body);
  answers[kind] += 1;
  if (known && kind !== 'greeted') answers.knownNotGreeted += 1;
}

/**
 * autocannon against POST /webhooks/twilio/voice, a new signed body per request.
 * Latencies are collected from the 'response' event in ms with sub-ms resolution (the
 * summary histogram is integer ms), over every response, not only 2xx.
 */
export async function runAutocannon(opts: {
  port: number;
  customers: number;
  connections: number;
  durationS: number;
  overallRate?: number;
  checkBody: boolean;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const answers = emptyAnswers();
  let finish!: (r: autocannon.Result) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
    url: `http://127.0.0.1:${opts.port}`,
    connections: opts.connections,
    duration: opts.durationS,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: VOICE_PATH,
        setupRequest: (req, context) => {
          const r = makeVoiceRequest(opts.customers);
          (context as { known?: boolean }).known = r.known;
          return { ...req, method: 'POST', path: VOICE_PATH, body: r.body, headers: r.headers };
        },
        // Pipelining is 1, so the context still describes the request this answers.
        onResponse: (_status, body, context) => tally(answers, body, Boolean((context as { known?: boolean }).known), opts.checkBody),
      },
    ],
    },
    (err, res) => (err ? fail(err) : finish(res)),
  );
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await done;
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: result.requests.average,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    answers,
    statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count])),
  };
}

/**
 * An open-loop generator: requests leave on a fixed 1/rate schedule whether or not earlier
 * ones have answered (autocannon's overallRate instead fires each connection's per-second
 * quota back-to-back at the top of every second, so its "500 req/s" arrives in bursts).
 * Latency is measured from the scheduled send time, so queueing is not hidden.
 */
export async function runPaced(opts: { port: number; customers: number; rate: number; durationS: number; checkBody: boolean }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  const answers = emptyAnswers();
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  const statuses: Record<string, number> = {};
  const start = performance.now();
  const end = start + opts.durationS * 1000;
  const interval = 1000 / opts.rate;
  const inflight = new Set<Promise<void>>();
  const open = new Set<http.ClientRequest>();
  // An overloaded server would otherwise make this phase last minutes: past MAX_INFLIGHT new
  // requests are not sent (counted as 'shed' errors), and whatever has not answered 10 s
  // after the phase ends is abandoned (counted as 'deadline' errors).
  const MAX_INFLIGHT = 1000;

  const fire = (scheduled: number) => {
    if (open.size >= MAX_INFLIGHT) {
      statuses.shed = (statuses.shed ?? 0) + 1;
      errors += 1;
      return;
    }
    const r = makeVoiceRequest(opts.customers);
    const p = new Promise<void>((resolve) => {
      const req = http.request(
        { agent, host: '127.0.0.1', port: opts.port, method: 'POST', path: VOICE_PATH, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - scheduled);
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx += 1;
            tally(answers, Buffer.concat(chunks).toString('utf8'), r.known, opts.checkBody);
            resolve();
          });
        },
      );
      open.add(req);
      req.on('close', () => open.delete(req));
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        statuses[err.message] = (statuses[err.message] ?? 0) + 1;
        errors += 1;
        resolve();
      });
      req.end(r.body);
    });
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Catch up on every slot that is due (timers fire late by up to a few ms).
      while (start + sent * interval <= now && start + sent * interval < end) {
        fire(start + sent * interval);
        sent += 1;
      }
      if (now >= end) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const deadline = setTimeout(() => {
    for (const req of open) req.destroy(new Error('deadline'));
  }, 10_000);
  await Promise.all(inflight);
  clearTimeout(deadline);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    reqPerSec: latencies.length / opts.durationS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: sent,
    errors,
    timeouts: 0,
    non2xx,
    answers,
    statuses,
  };
}
