import type { Logger } from '../logger.js';
import type { FileSpool, SpoolRecord } from './file-spool.js';

export interface SpoolReplayer {
  /** Something was appended, or the store may be back: try now. */
  wake(): void;
  /** Resolves when nothing is pending (tests, shutdown). */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Applies spooled records in order, one at a time. A record whose store is still away
 * (`isTransient`) is retried from the same place after a growing pause; a record that can
 * never apply is set aside on disk and the rest go on, so one bad record cannot hold the
 * spool hostage. `apply` must be idempotent: a crash between applying and marking replays it.
 */
export function createSpoolReplayer(deps: {
  spool: FileSpool;
  apply: (record: SpoolRecord, pending: readonly SpoolRecord[]) => Promise<void>;
  isTransient: (err: unknown) => boolean;
  logger: Logger;
  /** After a run that emptied the spool. */
  onDrained?: () => void;
  /** Failures of a record that are not the store being away before it is set aside (default 5). */
  maxFailures?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
}): SpoolReplayer {
  const minDelay = deps.minDelayMs ?? 200;
  const maxDelay = deps.maxDelayMs ?? 5000;
  let delay = minDelay;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let again = false;
  // A failure that does not look like an outage may still be one (an error text we have not
  // seen): a record is set aside only after failing this many times in a row.
  const maxFailures = deps.maxFailures ?? 5;
  let failures = 0;
  let waiters: Array<() => void> = [];

  async function run(): Promise<void> {
    while (!stopped) {
      const pending = deps.spool.pending();
      const record = pending[0];
      if (!record) break;
      try {
        await deps.apply(record, pending);
      } catch (err) {
        const transient = deps.isTransient(err);
        if (transient || ++failures < maxFailures) {
          deps.logger.warn({ kind: record.kind, seq: record.seq, depth: pending.length, retryInMs: delay, err }, 'spool replay waits for the store');
          schedule(delay);
          delay = Math.min(maxDelay, delay * 2);
          return;
        }
        deps.logger.error({ kind: record.kind, seq: record.seq, failures, err }, 'spooled record cannot be applied: set aside');
        await deps.spool.setAside(record, err instanceof Error ? err.message : String(err));
      }
      await deps.spool.markApplied(record.seq);
      delay = minDelay;
      failures = 0;
    }
    if (deps.spool.depth() === 0) {
      for (const w of waiters.splice(0)) w();
      deps.onDrained?.();
    }
  }

  function schedule(ms: number): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      replayer.wake();
    }, ms);
    timer.unref();
  }

  const replayer: SpoolReplayer = {
    wake() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      running = run()
        .catch((err: unknown) => {
          deps.logger.error({ err }, 'spool replay failed');
          schedule(maxDelay);
        })
        .finally(() => {
          running = undefined;
          // Appended while the last run was finishing: that record must not wait for a timer.
          if (again && !timer) {
            again = false;
            replayer.wake();
          }
          again = false;
        });
    },
    drained() {
      if (deps.spool.depth() === 0) return Promise.resolve();
      replayer.wake();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      waiters = [];
    },
  };
  return replayer;
}
