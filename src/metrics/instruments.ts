import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withDeadline } from '../db/store-errors.js';
import type { QueueStat } from '../routing/queue-store.js';

/** Why a caller got the fallback TwiML (an apology and the general queue) instead of the IVR's answer. */
export const FALLBACK_REASONS = ['over_budget', 'error'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

/** How an offer to an agent ended. */
export const OFFER_OUTCOMES = ['accepted', 'rejected', 'timeout', 'cancelled'] as const;
export type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

/** What the scrape-time gauges read; each is optional, and a gauge without its source has no series. */
export interface MetricSources {
  /** Callers not yet with an agent, per queue (a read-only query). */
  queueStats?: () => Promise<QueueStat[]>;
  /** Open WebSocket connections by kind of socket (agent, and the supervisor and media sockets to come). */
  sockets?: Record<string, () => number>;
  /** Whether the event bus between nodes works. */
  busHealthy?: () => boolean | Promise<boolean>;
  /** The app's clock, for the oldest wait. */
  now?: () => Date;
  /** A source that failed or timed out during a scrape; its gauges are left out of that scrape. */
  onError?: (source: string, err: unknown) => void;
}

export interface Metrics {
  /** This app's own registry: never prom-client's global one, since tests build many apps in one process. */
  registry: Registry;
  /** Webhook latency by route pattern (never the raw URL) and status class (2xx, 4xx, 5xx). */
  webhookDuration: Histogram<'route' | 'status'>;
  /** Callers answered with the fallback TwiML; `inc({ reason })` with a FallbackReason, or use countFallback. */
  twimlFallbacks: Counter<'reason'>;
  /** Records waiting in the durable spool to be written to the database. */
  spoolDepth: Gauge;
  /** Bytes the durable spool holds on disk. */
  spoolBytes: Gauge;
  /** Screen pops handed to the agent's sockets. */
  popsSent: Counter;
  /** Screen pops the softphone acknowledged (the first ack of each). */
  popsAcked: Counter;
  /** Offers to agents by how they ended. */
  offerOutcomes: Counter<'outcome'>;
  /** Counts one fallback TwiML answer. */
  countFallback(reason: FallbackReason): void;
  /** Counts one ended offer. */
  countOfferOutcome(outcome: OfferOutcome): void;
  /** Connects the gauges computed at scrape time to what they read (called once the app is built). */
  observe(sources: MetricSources): void;
}

/** Within a Prometheus scrape timeout (10 s by default), and short enough not to pile up scrapes. */
const SOURCE_TIMEOUT_MS = 2000;

/**
 * A fresh registry with the service's instruments. `processMetrics` adds Node's default
 * process metrics (CPU, memory, event loop lag, GC); they start an event-loop monitor
 * that never stops, so only the server turns them on, not every app a test builds.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  let sources: MetricSources = {};

  // Both queue gauges come from one query per scrape: the registry collects them together.
  let statsInFlight: Promise<QueueStat[]> | undefined;
  const queueStats = () => {
    const read = sources.queueStats;
    if (!read) return Promise.resolve(undefined);
    statsInFlight ??= withDeadline(read(), SOURCE_TIMEOUT_MS, 'queue stats').finally(() => {
      statsInFlight = undefined;
    });
    return statsInFlight;
  };
  const failed = (source: string, err: unknown) => sources.onError?.(source, err);

  const webhookDuration = new Histogram({
    name: 'cc_webhook_duration_seconds',
    help: 'Provider webhook latency, by route pattern and status class',
    labelNames: ['route', 'status'] as const,
    // 0.9 s is the answer budget past which the caller gets the fallback.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.9, 1.5, 3, 10],
    registers,
  });
  const twimlFallbacks = new Counter({
    name: 'cc_twiml_fallbacks_total',
    help: 'Callers answered with the fallback TwiML (apology and general queue), by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const spoolDepth = new Gauge({ name: 'cc_spool_depth', help: 'Records in the durable spool waiting to be written to the database', registers });
  const spoolBytes = new Gauge({ name: 'cc_spool_bytes', help: 'Bytes held by the durable spool on disk', registers });
  const popsSent = new Counter({ name: 'cc_pops_sent_total', help: 'Screen pops handed to agent sockets', registers });
  const popsAcked = new Counter({ name: 'cc_pops_acked_total', help: 'Screen pops acknowledged by a softphone', registers });
  const offerOutcomes = new Counter({
    name: 'cc_offer_outcomes_total',
    help: 'Offers to agents by outcome (accepted, rejected, timeout, cancelled)',
    labelNames: ['outcome'] as const,
    registers,
  });

  // Every known label at 0 from the start, so rate() and alerts see the first increment.
  for (const reason of FALLBACK_REASONS) twimlFallbacks.inc({ reason }, 0);
  for (const outcome of OFFER_OUTCOMES) offerOutcomes.inc({ outcome }, 0);

  new Gauge({
    name: 'cc_queue_depth',
    help: 'Callers in the queue not yet with an agent (waiting or being offered)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset();
      try {
        for (const s of (await queueStats()) ?? []) this.set({ queue: s.queue }, s.depth);
      } catch (err) {
        failed('queueStats', err);
      }
    },
  });
  new Gauge({
    name: 'cc_queue_oldest_wait_seconds',
    help: 'How long the longest-waiting caller in the queue has waited (0 when the queue is empty)',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset();
      try {
        const stats = await queueStats();
        const now = (sources.now?.() ?? new Date()).getTime();
        for (const s of stats ?? []) {
          this.set({ queue: s.queue }, s.oldestEnqueuedAt ? Math.max(0, (now - s.oldestEnqueuedAt.getTime()) / 1000) : 0);
        }
      } catch {
        // Reported once, by cc_queue_depth.
      }
    },
  });
  new Gauge({
    name: 'cc_websocket_connections',
    help: 'Open WebSocket connections on this node, by kind',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [kind, count] of Object.entries(sources.sockets ?? {})) this.set({ kind }, count());
    },
  });
  new Gauge({
    name: 'cc_bus_up',
    help: 'Whether the event bus between nodes works (1) or not (0)',
    registers,
    async collect() {
      this.reset();
      const healthy = sources.busHealthy;
      if (!healthy) return;
      try {
        this.set((await withDeadline(Promise.resolve(healthy()), SOURCE_TIMEOUT_MS, 'bus health')) ? 1 : 0);
      } catch (err) {
        failed('busHealthy', err);
        this.set(0);
      }
    },
  });

  return {
    registry,
    webhookDuration,
    twimlFallbacks,
    spoolDepth,
    spoolBytes,
    popsSent,
    popsAcked,
    offerOutcomes,
    countFallback: (reason) => twimlFallbacks.inc({ reason }),
    countOfferOutcome: (outcome) => offerOutcomes.inc({ outcome }),
    observe(next) {
      sources = next;
    },
  };
}
