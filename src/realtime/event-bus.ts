import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export type BusHandler = (message: unknown) => void;

/** `degraded`: messages to other nodes may not be getting through (this node's own subscribers still get everything). */
export type BusHealth = 'ok' | 'degraded';

/**
 * Fan-out between nodes: the node that handled a webhook is not necessarily the node
 * holding the agent's socket. Messages are JSON; delivery is at-most-once, so anything
 * that must not be lost is also in the database.
 */
export interface EventBus {
  /**
   * Hands the message to this node's subscribers and to the other nodes. Never rejects
   * because another node cannot be reached: the caller's write has already happened.
   */
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): () => void;
  health(): BusHealth;
  /**
   * Calls `cb` each time the bus goes from degraded back to ok (never for the in-process bus,
   * which cannot degrade): what other nodes published meanwhile, and what this node published
   * to them, was lost, so a listener re-sends what is still pending from the database.
   * Returns the function that removes `cb`.
   */
  onRecovered(cb: () => void): () => void;
  /** Messages that could not be handed to the other nodes since the bus started. */
  failedPublishes(): number;
  close(): Promise<void>;
}

/**
 * This node's subscribers, each message delivered as a JSON copy: handlers never share the
 * publisher's object. A handler that throws is reported to `onError` when given (the Redis bus
 * logs it, so one bad handler cannot break the connection or the process); without it the
 * error is thrown, as the in-process bus always did.
 */
function localFanOut(onError?: (channel: string, err: unknown) => void) {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const emitParsed = (channel: string, message: unknown) => {
    if (!onError) {
      emitter.emit(channel, message);
      return;
    }
    try {
      emitter.emit(channel, message);
    } catch (err) {
      onError(channel, err);
    }
  };
  return {
    /** `json` is the message already serialised (the Redis bus sends the same text to the other nodes). */
    emit(channel: string, json: string) {
      if (emitter.listenerCount(channel) === 0) return;
      const copy = JSON.parse(json) as unknown;
      // Asynchronous like a message that went through Redis: a publisher never runs its subscribers inline.
      queueMicrotask(() => emitParsed(channel, copy));
    },
    emitParsed,
    on(channel: string, handler: BusHandler) {
      emitter.on(channel, handler);
      return () => {
        emitter.off(channel, handler);
      };
    },
    clear() {
      emitter.removeAllListeners();
    },
  };
}

/** One process: an EventEmitter. */
export function createInProcessBus(): EventBus {
  const local = localFanOut();
  return {
    async publish(channel, message) {
      local.emit(channel, JSON.stringify(message));
    },
    subscribe: (channel, handler) => local.on(channel, handler),
    health: () => 'ok',
    onRecovered: () => () => {},
    failedPublishes: () => 0,
    async close() {
      local.clear();
    },
  };
}

export interface RedisBusOptions {
  /** A Redis command without an answer after this long has failed (default 1000 ms). */
  commandTimeoutMs?: number;
  /** How often both connections are pinged (default 5000 ms); a connection failing two pings in a row is reconnected. */
  healthCheckMs?: number;
}

/** On the wire between nodes: the publishing node's id, so a node can skip its own echo. */
interface Envelope {
  origin: string;
  payload: unknown;
}

/**
 * Several nodes: Redis pub/sub (a subscriber connection cannot publish, hence two).
 *
 * This node's own subscribers are served directly, never through Redis, so an agent whose
 * socket is on the node that made the offer gets the pop even while Redis is down; Redis
 * only carries messages to the other nodes, and each node ignores its own echo.
 *
 * The publishing connection fails fast rather than queueing: with no offline queue a
 * publish while disconnected is refused at once; with `maxRetriesPerRequest: 0` (and no
 * re-sending of unanswered commands) a publish in flight when the connection drops is
 * failed, not sent again after reconnecting; `commandTimeout` ends the wait on a Redis that
 * accepts connections but does not answer. A message delivered minutes late — a pop for a
 * caller who has hung up — is worse than one not delivered, and a queue that grows for the
 * length of an outage is memory we do not have. Failures are counted and logged, never
 * thrown: what had to be durable is already in the database.
 *
 * The subscribing connection resubscribes to every channel this node listens on each time it
 * becomes ready, from this bus's own list (the channels subscribed while Redis was away included).
 */
export function createRedisBus(url: string, logger: Logger, opts: RedisBusOptions = {}): EventBus {
  const node = randomUUID();
  const commandTimeout = opts.commandTimeoutMs ?? 1000;
  const failFast = { enableOfflineQueue: false, commandTimeout, lazyConnect: false } as const;
  const pub = new Redis(url, { ...failFast, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
  const sub = new Redis(url, { ...failFast, maxRetriesPerRequest: 0, autoResubscribe: false });
  const local = localFanOut((channel, err) => logger.error({ channel, err }, 'bus subscriber failed'));
  const counts = new Map<string, number>();
  let failed = 0;
  let closing = false;

  // What the last ping (or publish) said about each connection; its status says the rest.
  const probe = { pub: { ok: true, strikes: 0 }, sub: { ok: true, strikes: 0 } };
  let reported: BusHealth = 'ok';
  let failedAtDegraded = 0;
  const recovered = new Set<() => void>();
  const health = (): BusHealth =>
    pub.status === 'ready' && sub.status === 'ready' && probe.pub.ok && probe.sub.ok ? 'ok' : 'degraded';
  /** Logs transitions only: an outage is one warning and one recovery, not a line per message. */
  const report = (why: string) => {
    const now = health();
    if (now === reported || closing) return;
    reported = now;
    if (now === 'degraded') {
      failedAtDegraded = failed;
      logger.warn({ why }, 'event bus degraded: messages to other nodes are not getting through');
    } else {
      logger.info({ failedPublishes: failed - failedAtDegraded }, 'event bus recovered');
      for (const cb of recovered) {
        try {
          cb();
        } catch (err) {
          logger.error({ err }, 'bus recovery listener failed');
        }
      }
    }
  };

  const lastError = new Map<Redis, string>();
  for (const [name, c] of [['pub', pub], ['sub', sub]] as const) {
    c.on('error', (err: Error) => {
      // ioredis reports every failed reconnect attempt; one line per distinct error is enough.
      if (lastError.get(c) === err.message) return;
      lastError.set(c, err.message);
      logger.warn({ connection: name, err }, 'redis bus connection error');
    });
    c.on('ready', () => {
      lastError.delete(c);
      probe[name] = { ok: true, strikes: 0 };
      report('connection ready');
    });
    c.on('close', () => report(`${name} connection closed`));
  }

  const subscribeOnRedis = (channels: string[]) => {
    if (channels.length === 0 || sub.status !== 'ready') return;
    sub.subscribe(...channels).catch((err: Error) => logger.warn({ err }, 'redis bus subscribe failed'));
  };
  sub.on('ready', () => subscribeOnRedis([...counts.keys()]));
  sub.on('message', (channel: string, raw: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      logger.warn({ channel }, 'dropped a malformed bus message');
      return;
    }
    if (envelope.origin === node) return;
    local.emitParsed(channel, envelope.payload);
  });

  async function ping(name: 'pub' | 'sub', c: Redis): Promise<void> {
    const p = probe[name];
    try {
      if (c.status !== 'ready') throw new Error(`connection ${c.status}`);
      await c.ping();
      p.ok = true;
      p.strikes = 0;
    } catch {
      p.ok = false;
      p.strikes += 1;
      // A connection that is open but silent (a stalled network, a half-dead NAT mapping)
      // would never recover on its own: the subscriber would stay deaf while looking fine.
      if (p.strikes >= 2 && (c.status === 'ready' || c.status === 'connect')) {
        p.strikes = 0;
        c.disconnect(true);
      }
    }
    report(`${name} ping`);
  }
  const checker = setInterval(() => {
    void ping('pub', pub);
    void ping('sub', sub);
  }, opts.healthCheckMs ?? 5000);
  checker.unref();

  return {
    async publish(channel, message) {
      const json = JSON.stringify(message);
      local.emit(channel, json);
      if (closing) return;
      const wire = `{"origin":"${node}","payload":${json}}`;
      // Not awaited: this node's subscribers already have the message, and no caller should
      // wait on Redis (up to commandTimeout when it hangs) to finish its own work.
      pub.publish(channel, wire).then(
        () => {
          if (!probe.pub.ok) {
            probe.pub.ok = true;
            report('publish succeeded');
          }
        },
        (err: Error) => {
          failed += 1;
          probe.pub.ok = false;
          // The channel name only: messages carry callers' and agents' details.
          logger.debug({ channel, err }, 'bus message not delivered to other nodes');
          report(`publish failed: ${err.message}`);
        },
      );
    },
    subscribe(channel, handler) {
      const n = counts.get(channel) ?? 0;
      counts.set(channel, n + 1);
      // Not ready: the 'ready' handler subscribes to everything in `counts`.
      if (n === 0) subscribeOnRedis([channel]);
      const off = local.on(channel, handler);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        off();
        const left = (counts.get(channel) ?? 1) - 1;
        if (left > 0) {
          counts.set(channel, left);
          return;
        }
        counts.delete(channel);
        if (sub.status === 'ready') sub.unsubscribe(channel).catch(() => {});
      };
    },
    health,
    onRecovered(cb) {
      recovered.add(cb);
      return () => {
        recovered.delete(cb);
      };
    },
    failedPublishes: () => failed,
    async close() {
      closing = true;
      clearInterval(checker);
      recovered.clear();
      local.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
      // quit() is refused while disconnected; disconnect() also stops the reconnect attempts.
      pub.disconnect();
      sub.disconnect();
    },
  };
}
