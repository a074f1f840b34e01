import type { CustomerRepo } from '../crm/customer-repo.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import { PRESENCE_CHANNEL } from '../routing/presence.js';
import { QUEUE_CHANNEL } from '../routing/queue-events.js';
import { INTERACTION_RECORDED_CHANNEL, type InteractionRecorded } from '../timeline/interaction-events.js';
import { alertFromBus, SUPERVISOR_ALERT_CHANNEL } from './alert-events.js';
import { conditionAlerts, createAlertBook, isHighValue, type Alert, type AlertPolicy } from './alerts.js';
import { createCoalescer, realTimers, type Timers } from './coalescer.js';
import type { LiveStats, LiveStatsSource } from './live-stats.js';

/** What the supervisor socket sends, besides its greeting. */
export type LiveMessage =
  | ({ type: 'stats'; at: string } & LiveStats)
  | ({ type: 'alert' } & Alert)
  | { type: 'alert_cleared'; id: string; kind: Alert['kind']; at: string };

export interface LiveView {
  /** Every push from now on; the first listener starts the periodic check, the last one stops it. */
  subscribe(listener: (message: LiveMessage) => void): () => void;
  /** What a socket that just connected is sent: the latest numbers (when read) and the alerts listed now. */
  current(): { stats?: LiveMessage; alerts: Alert[] };
  /**
   * The numbers read now and the alerts they leave listed: what a page that cannot hold the
   * socket open (a serverless deployment) polls for.
   */
  snapshot(): Promise<{ stats: LiveMessage; alerts: Alert[] }>;
  /** Something changed: re-read soon (coalesced, at most once per `minPushIntervalMs`). */
  poke(): void;
  /** Refreshes run so far (the throttle's proof). */
  refreshes(): number;
  close(): void;
}

export interface LiveViewDeps {
  source: LiveStatsSource;
  bus: EventBus;
  customers: Pick<CustomerRepo, 'get'>;
  policy: AlertPolicy;
  now: () => Date;
  logger: Logger;
  timers?: Timers;
  /** At most one refresh (and so one stats push) per this many ms (default 1000). */
  minPushIntervalMs?: number;
  /** Re-read this often while someone watches, for what has no bus event: a wait growing long, a wrap-up ending (default 5000). */
  checkIntervalMs?: number;
  /** Callers in line considered for long-wait and crisis alerts (oldest first; default 500). */
  maxCallers?: number;
}

/**
 * The supervisors' live numbers and alerts on this node. Numbers are read from the database
 * (so every node shows the same), on a bus event or the periodic check, and pushed only when
 * they changed. Condition alerts (service level, long wait, crisis) are derived from the same
 * read; event alerts (fraud, negative sentiment) arrive on the bus, which reaches every node.
 */
export function createLiveView(deps: LiveViewDeps): LiveView {
  const timers = deps.timers ?? realTimers;
  const listeners = new Set<(m: LiveMessage) => void>();
  const book = createAlertBook(deps.policy);
  let lastSignature: string | undefined;
  let lastStats: LiveMessage | undefined;
  let checkTimer: unknown;

  const emit = (m: LiveMessage) => {
    for (const l of listeners) {
      try {
        l(m);
      } catch (err) {
        deps.logger.error({ err }, 'supervisor listener failed');
      }
    }
  };

  /** Reads the numbers and settles the condition alerts on them. */
  async function read() {
    const now = deps.now();
    const [stats, callers] = await Promise.all([deps.source.stats(), deps.source.waitingCallers(deps.maxCallers ?? 500)]);
    return { now, stats, ...book.sync(conditionAlerts(stats, callers, now, deps.policy)) };
  }

  const emitAlerts = (raised: Alert[], cleared: Alert[], now: Date) => {
    for (const a of raised) emit({ type: 'alert', ...a });
    for (const a of cleared) emit({ type: 'alert_cleared', id: a.id, kind: a.kind, at: now.toISOString() });
  };

  async function refresh(): Promise<void> {
    if (listeners.size === 0) return;
    const { now, stats, raised, cleared } = await read();
    const signature = JSON.stringify(stats);
    if (signature !== lastSignature) {
      lastSignature = signature;
      lastStats = { type: 'stats', at: now.toISOString(), ...stats };
      emit(lastStats);
    }
    emitAlerts(raised, cleared, now);
  }

  const coalescer = createCoalescer(refresh, {
    minIntervalMs: deps.minPushIntervalMs ?? 1000,
    timers,
    onError: (err) => deps.logger.warn({ err }, 'supervisor stats read failed'),
  });

  const scheduleCheck = () => {
    checkTimer = timers.setTimeout(() => {
      coalescer.trigger();
      scheduleCheck();
    }, deps.checkIntervalMs ?? 5000);
  };
  const stopCheck = () => {
    if (checkTimer !== undefined) timers.clearTimeout(checkTimer);
    checkTimer = undefined;
  };

  const raiseEvent = (alert: Alert) => {
    if (book.raise(alert, deps.now())) emit({ type: 'alert', ...alert });
  };

  async function onInteraction(ev: InteractionRecorded): Promise<void> {
    if (ev.sentiment?.label !== 'negative' || !ev.customerId) return;
    const customer = await deps.customers.get(ev.customerId);
    if (!customer || !isHighValue(customer, deps.policy)) return;
    raiseEvent({
      // One per customer within the window: three angry messages in a row are one thing to look at.
      id: `negative_sentiment:${customer.id}`,
      kind: 'negative_sentiment',
      at: ev.at,
      customerId: customer.id,
      channel: ev.channel,
      sentimentScore: ev.sentiment.score,
      ...(customer.tier ? { tier: customer.tier } : {}),
      ...(customer.accountValue ? { accountValue: customer.accountValue } : {}),
    });
  }

  const offs = [
    deps.bus.subscribe(PRESENCE_CHANNEL, () => coalescer.trigger()),
    deps.bus.subscribe(QUEUE_CHANNEL, () => coalescer.trigger()),
    deps.bus.subscribe(SUPERVISOR_ALERT_CHANNEL, (message) => {
      const alert = alertFromBus(message);
      if (alert) raiseEvent(alert);
      else deps.logger.warn('ignored a malformed supervisor alert on the bus');
    }),
    deps.bus.subscribe(INTERACTION_RECORDED_CHANNEL, (message) => {
      onInteraction(message as InteractionRecorded).catch((err: unknown) => deps.logger.warn({ err }, 'negative-sentiment check failed'));
    }),
  ];

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) {
        scheduleCheck();
        coalescer.trigger();
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        stopCheck();
        // Unwatched numbers go stale: the next watcher starts from a fresh read.
        lastSignature = undefined;
        lastStats = undefined;
        book.resetConditions();
      };
    },
    current: () => ({ ...(lastStats ? { stats: lastStats } : {}), alerts: book.active(deps.now()) }),
    async snapshot() {
      const { now, stats, raised, cleared } = await read();
      // Sockets watching on this node hear of what this read raised or cleared, as after any read.
      emitAlerts(raised, cleared, now);
      return { stats: { type: 'stats', at: now.toISOString(), ...stats }, alerts: book.active(now) };
    },
    poke: () => coalescer.trigger(),
    refreshes: () => coalescer.runs(),
    close() {
      stopCheck();
      coalescer.stop();
      for (const off of offs) off();
      listeners.clear();
    },
  };
}
