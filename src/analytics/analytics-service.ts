import type { Logger } from '../logger.js';
import type { QueueStat } from '../routing/queue-store.js';
import type { KpiThresholds } from './kpi-definitions.js';
import { queryKpis, type KpiReport, type TKpiQuery } from './kpi-query.js';
import type { KpiSources } from './kpi-sources.js';
import type { KpiStore } from './kpi-store.js';
import { realtimeStats, type RealtimeStats } from './realtime-stats.js';
import { createKpiRollup, type KpiRollup } from './rollup.js';

export interface AnalyticsSettings {
  /** TZ_BUSINESS: days and hours of the reports start on this clock. */
  zone: string;
  shortAbandonSeconds: number;
  /** The service-level threshold of queues not named in `serviceLevelByQueue`. */
  serviceLevelSeconds: number;
  serviceLevelByQueue: Record<string, number>;
  /** How often the rollup ticks (seconds). */
  rollupSeconds: number;
}

export const DEFAULT_ANALYTICS: AnalyticsSettings = { zone: 'Asia/Riyadh', shortAbandonSeconds: 5, serviceLevelSeconds: 20, serviceLevelByQueue: {}, rollupSeconds: 15 };

/** KPIs and live stats, bound to their stores: what the HTTP router and the supervisor view call. */
export interface AnalyticsService {
  kpis(query: TKpiQuery): Promise<KpiReport>;
  /** Queues (waiting, oldest wait, service level today) and agents by state. */
  realtimeStats(): Promise<RealtimeStats>;
  /** Brings the rollup up to date now (what the timer does every few seconds). */
  refresh(): Promise<void>;
  rollup: KpiRollup;
  thresholds: KpiThresholds;
  /** Starts the rollup's timers (server.ts); tests call `refresh` instead. */
  start(): void;
  stop(): Promise<void>;
}

const SWEEP_MS = 3600_000;

export function createAnalyticsService(deps: {
  store: KpiStore;
  sources: KpiSources;
  queueStats: () => Promise<QueueStat[]>;
  now: () => Date;
  logger: Logger;
  settings?: Partial<AnalyticsSettings>;
}): AnalyticsService {
  const s = { ...DEFAULT_ANALYTICS, ...deps.settings };
  const thresholds: KpiThresholds = {
    shortAbandonSeconds: s.shortAbandonSeconds,
    serviceLevelSeconds: (queue) => s.serviceLevelByQueue[queue] ?? s.serviceLevelSeconds,
  };
  const rollup = createKpiRollup({
    store: deps.store,
    sources: deps.sources,
    now: deps.now,
    logger: deps.logger,
    options: { zone: s.zone, thresholds, fcrWindowDays: 7, hotWindowMs: 2 * 3600_000, sweepDays: 8 },
  });
  const timers: NodeJS.Timeout[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const guarded = (what: string, fn: () => Promise<void>) => () => {
    inFlight = fn().catch((err: unknown) => deps.logger.warn({ err }, `kpi ${what} failed`));
  };

  return {
    kpis: (query) => queryKpis({ store: deps.store, sources: deps.sources, zone: s.zone, now: deps.now }, query),
    realtimeStats: () => realtimeStats({ queueStats: deps.queueStats, store: deps.store, sources: deps.sources, thresholds, zone: s.zone, now: deps.now }),
    refresh: () => rollup.tick(),
    rollup,
    thresholds,
    start() {
      if (timers.length > 0) return;
      guarded('sweep', rollup.sweep)();
      timers.push(setInterval(guarded('tick', rollup.tick), s.rollupSeconds * 1000), setInterval(guarded('sweep', rollup.sweep), SWEEP_MS));
      for (const t of timers) t.unref();
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      await inFlight;
    },
  };
}
