import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';

export type BusHandler = (message: unknown) => void;

/**
 * Fan-out between nodes: the node that handled a webhook is not necessarily the node
 * holding the agent's socket. Messages are JSON; delivery is at-most-once, so anything
 * that must not be lost is also in the database.
 */
export interface EventBus {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

/** One process: an EventEmitter. */
export function createInProcessBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(channel, message) {
      // Same shape as over Redis: handlers never share the publisher's object.
      const copy = JSON.parse(JSON.stringify(message)) as unknown;
      queueMicrotask(() => emitter.emit(channel, copy));
    },
    subscribe(channel, handler) {
      emitter.on(channel, handler);
      return () => emitter.off(channel, handler);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/** Several nodes: Redis pub/sub (a subscriber connection cannot publish, hence two). */
export function createRedisBus(url: string, logger: Logger): EventBus {
  const pub = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
  const sub = new Redis(url, { maxRetriesPerRequest: null });
  const local = new EventEmitter();
  local.setMaxListeners(0);
  const counts = new Map<string, number>();
  for (const c of [pub, sub]) c.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis bus error'));
  sub.on('message', (channel: string, raw: string) => {
    try {
      local.emit(channel, JSON.parse(raw));
    } catch {
      logger.warn({ channel }, 'dropped a malformed bus message');
    }
  });
  return {
    async publish(channel, message) {
      await pub.publish(channel, JSON.stringify(message));
    },
    subscribe(channel, handler) {
      const n = counts.get(channel) ?? 0;
      counts.set(channel, n + 1);
      if (n === 0) void sub.subscribe(channel);
      local.on(channel, handler);
      return () => {
        local.off(channel, handler);
        const left = (counts.get(channel) ?? 1) - 1;
        counts.set(channel, left);
        if (left === 0) void sub.unsubscribe(channel);
      };
    },
    async close() {
      local.removeAllListeners();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
