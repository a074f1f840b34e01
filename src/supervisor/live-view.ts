import type { CustomerRepo } from '../crm/customer-repo.js';
import type { Logger } from '../logger.js';
import type { EventBus } from '../realtime/event-bus.js';
import { ERASED_CHANNEL, type ErasedMessage } from '../privacy/erase-customer.js';
import { PRESENCE_CHANNEL } from '../routing/presence.js';
import { QUEUE_CHANNEL } from '../routing/queue-events.js';
import { INTERACTION_RECORDED_CHANNEL, type InteractionRecorded } from '../timeline/interaction-events.js';
import { alertFromBus, SUPERVISOR_ALERT_CHANNEL } from './alert-events.js';
import type { AlertStore, ListedAlert } from './alert-store.js';
import { conditionAlerts, createAlertBook, isHighValue, type Alert, type AlertPolicy } from './alerts.js';
import { createCoalescer, realTimers, type Timers } from './coalescer.js';
import type { LiveStats, LiveStatsSource } from './live-stats.js';

/** What the supervisor socket sends, besides its greeting. */
export type LiveMessage =
  | ({ type: 'stats'; at: string } & LiveStats)
  | ({ type: 'alert' } & Alert)
  | { type: 'alert_cleared'; id: string; kind: Alert['kind']; at: string };

/** What a socket is sent first, after its hello: the alerts listed now. */
export type AlertsMessage = { type: 'alerts'; items: Alert[] };

export interface LiveView {
  /** Every push from now on; the first listener starts the periodic check, the last one stops it. */
  subscribe(listener: (message: LiveMessage) => void): () => void;
  /**
   * A socket that just connected: `send` gets the alerts listed now (every node's, read from the
   * shared store), the latest numbers when read, then every push, in that order. Returns its end.
   */
  watch(send: (message: AlertsMessage | LiveMessage) => void): () => void;
  /**
   * The numbers read now and the alerts they leave listed: what a page that cannot hold the
   * socket open (a serverless deployment) polls for.
   */
  snapshot(): Promise<{ stats: LiveMessage; alerts: Alert[] }>;
  /** Something changed: re-read soon (coalesced, at most once per `minPushIntervalMs`). */
  poke(): void;
  /** Refreshes run so far (the throttle's proof). */
  refreshes(): number;
  /** Resolves once the alerts heard so far are in the shared store (a Lambda waits for it before its container may be frozen). */
  idle(): Promise<void>;
  close(): void;
}

export interface LiveViewDeps {
  source: LiveStatsSource;
  bus: EventBus;
  customers: Pick<CustomerRepo, 'get'>;
  /** The event alerts every node lists. */
  alerts: AlertStore;
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
 * read. Event alerts (fraud, negative sentiment, survey follow-ups) arrive on the bus, are
 * written to the shared store by each node that hears them (the one that raised it at least),
 * and every read lists the store's: a node that did not hear one (no Redis, a Redis outage, a
 * Lambda, a later start) lists it on its next read and pushes it at its next check.
 */
export function createLiveView(deps: LiveViewDeps): LiveView {
  const timers = deps.timers ?? realTimers;
  const listeners = new Set<(m: LiveMessage) => void>();
  const book = createAlertBook(deps.policy);
  const windowMs = deps.policy.eventAlertMinutes * 60_000;
  /** Work started by bus events that ends in the shared store (idle() waits for it). */
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
  };
  /** Event alerts are written one at a time: the first message of a cause is the one listed. */
  let raising: Promise<void> = Promise.resolve();
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

  /** The shared store's alerts; undefined when it cannot be read (this node's memory stands in). */
  const readListed = (now: Date): Promise<ListedAlert[] | undefined> =>
    deps.alerts.listed(now).catch((err: unknown) => {
      deps.logger.warn({ err }, 'supervisor alerts not read: listing this node\'s own');
      return undefined;
    });

  /** Settles the event alerts on the shared store's; writes again those whose write failed. */
  async function syncEvents(now: Date) {
    const mark = book.mark();
    const changes = book.reconcile(await readListed(now), mark, now);
    for (const alert of book.unshared(now)) raiseEvent(alert);
    return changes;
  }

  /** Reads the numbers and settles the alerts on them and on the shared store. */
  async function read() {
    const now = deps.now();
    const [stats, callers, events] = await Promise.all([deps.source.stats(), deps.source.waitingCallers(deps.maxCallers ?? 500), syncEvents(now)]);
    const conditions = book.sync(conditionAlerts(stats, callers, now, deps.policy));
    return { now, stats, raised: [...conditions.raised, ...events.raised], cleared: [...conditions.cleared, ...events.cleared] };
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

  async function raiseNow(alert: Alert): Promise<void> {
    const now = deps.now();
    if (book.listed(alert.id, now) === 'shared') return;
    let shared = true;
    try {
      // The customer was erased after the alert was worked out: nothing to show.
      if ((await deps.alerts.raise(alert, now, new Date(now.getTime() + windowMs))) === 'erased') return;
    } catch (err) {
      // Listed on this node regardless; written again at its next read.
      shared = false;
      deps.logger.warn({ err, kind: alert.kind }, 'supervisor alert not stored: other nodes do not list it yet');
    }
    if (book.raise(alert, now, { shared })) emit({ type: 'alert', ...alert });
    // What has run out meanwhile goes too, with nobody reading (memory stays bounded).
    emitAlerts([], book.reconcile(undefined, book.mark(), now).cleared, now);
  }
  const raiseEvent = (alert: Alert) => {
    raising = raising.then(() => raiseNow(alert)).catch((err: unknown) => deps.logger.error({ err }, 'supervisor alert failed'));
    track(raising);
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
      track(onInteraction(message as InteractionRecorded).catch((err: unknown) => deps.logger.warn({ err }, 'negative-sentiment check failed')));
    }),
    // The erasure removed the stored alerts (src/privacy/erase-customer.ts); memory follows on every node that hears it.
    deps.bus.subscribe(ERASED_CHANNEL, (message) => {
      const { customerId, callIds } = (message ?? {}) as Partial<ErasedMessage>;
      if (typeof customerId !== 'string') return;
      const calls = new Set(Array.isArray(callIds) ? callIds : []);
      emitAlerts([], book.forget((a) => a.customerId === customerId || (a.callId !== undefined && calls.has(a.callId))), deps.now());
    }),
  ];

  /** The alerts listed now, after the shared store's; the latest numbers if read. */
  async function current(): Promise<{ stats?: LiveMessage; alerts: Alert[] }> {
    const now = deps.now();
    const { raised, cleared } = await syncEvents(now);
    // Sockets already watching on this node hear of what the read found.
    emitAlerts(raised, cleared, now);
    return { ...(lastStats ? { stats: lastStats } : {}), alerts: book.active(now) };
  }

  function subscribe(listener: (message: LiveMessage) => void): () => void {
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
  }

  return {
    subscribe,
    watch(send) {
      // Pushes that come while the listed alerts are read wait behind them.
      let backlog: LiveMessage[] | undefined = [];
      let ended = false;
      const off = subscribe((m) => (backlog ? backlog.push(m) : send(m)));
      void current()
        .catch((err: unknown) => {
          deps.logger.error({ err }, 'supervisor greeting failed: this node\'s alerts only');
          return { stats: lastStats, alerts: book.active(deps.now()) };
        })
        .then(({ stats, alerts }) => {
          if (ended) return;
          const queued = backlog ?? [];
          backlog = undefined;
          send({ type: 'alerts', items: alerts });
          // Numbers read meanwhile are newer than those remembered.
          if (stats && !queued.some((m) => m.type === 'stats')) send(stats);
          for (const m of queued) send(m);
        });
      return () => {
        ended = true;
        off();
      };
    },
    async snapshot() {
      const { now, stats, raised, cleared } = await read();
      // Sockets watching on this node hear of what this read raised or cleared, as after any read.
      emitAlerts(raised, cleared, now);
      return { stats: { type: 'stats', at: now.toISOString(), ...stats }, alerts: book.active(now) };
    },
    poke: () => coalescer.trigger(),
    refreshes: () => coalescer.runs(),
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close() {
      stopCheck();
      coalescer.stop();
      for (const off of offs) off();
      listeners.clear();
    },
  };
}
