/** The clock and timers a coalescer runs on (tests pass a manual one: nothing waits on the wall clock). */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface Coalescer {
  /** Asks for a run: soon, but never sooner than `minIntervalMs` after the last one began; requests meanwhile are one run. */
  trigger(): void;
  /** How many runs have begun (for tests and metrics). */
  runs(): number;
  stop(): void;
}

/**
 * Turns a burst of "something changed" into one run, and runs at most once per interval:
 * a hundred presence changes in a second cost one read of the database and one push.
 */
export function createCoalescer(run: () => Promise<void>, opts: { minIntervalMs: number; timers: Timers; onError: (err: unknown) => void }): Coalescer {
  const { timers } = opts;
  let lastStart = -Infinity;
  let timer: unknown;
  let running = false;
  let again = false;
  let stopped = false;
  let count = 0;

  function fire(): void {
    timer = undefined;
    if (stopped) return;
    running = true;
    lastStart = timers.now();
    count += 1;
    run()
      .catch(opts.onError)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          trigger();
        }
      });
  }

  function trigger(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    if (timer !== undefined) return;
    timer = timers.setTimeout(fire, Math.max(0, lastStart + opts.minIntervalMs - timers.now()));
  }

  return {
    trigger,
    runs: () => count,
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
