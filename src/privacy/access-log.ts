import type { Logger } from '../logger.js';
import type { AccessEntry, AccessLogStore } from './access-log-store.js';

export interface AccessLog {
  /** Notes a read; never waits for the database and never fails the read. */
  record(entry: AccessEntry): void;
  /** Writes what is buffered now (the audit query does this first, so it sees its own node's reads). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
}

/**
 * The access log is written in batches, off the request: a read costs a push onto an array,
 * and one INSERT per `flushMs` (or per `maxBatch` entries) carries them all. A failed write
 * is logged (a count, never who read whom) and its entries are kept for the next flush, up to
 * `maxBuffered`; past that the oldest are dropped, with an error saying how many. A crash
 * loses at most the last `flushMs` of entries: the price of not adding a database round trip
 * to every read on the agent's hot path.
 */
export function createAccessLog(deps: { store: AccessLogStore; logger: Logger; flushMs?: number; maxBatch?: number; maxBuffered?: number }): AccessLog {
  const flushMs = deps.flushMs ?? 1000;
  const maxBatch = deps.maxBatch ?? 500;
  const maxBuffered = deps.maxBuffered ?? 20_000;
  let buffer: AccessEntry[] = [];
  let writing: Promise<void> = Promise.resolve();
  let soon: NodeJS.Immediate | undefined;

  async function writeAll(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      buffer = buffer.slice(batch.length);
      try {
        await deps.store.insertMany(batch);
      } catch (err) {
        buffer = [...batch, ...buffer];
        const dropped = buffer.length - maxBuffered;
        if (dropped > 0) {
          buffer = buffer.slice(dropped);
          deps.logger.error({ dropped }, 'access log entries dropped: the store has refused writes for too long');
        }
        deps.logger.warn({ err, buffered: buffer.length }, 'access log write failed; kept for the next flush');
        return;
      }
    }
  }

  // One writer at a time, in order.
  const flush = () => (writing = writing.then(writeAll));
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();

  return {
    record(entry) {
      buffer.push(entry);
      if (buffer.length >= maxBatch && !soon) {
        soon = setImmediate(() => {
          soon = undefined;
          void flush();
        });
      }
    },
    flush,
    async stop() {
      clearInterval(timer);
      if (soon) clearImmediate(soon);
      await flush();
    },
  };
}
