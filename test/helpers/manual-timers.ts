import type { Timers } from '../../src/supervisor/coalescer.js';

export interface ManualTimers extends Timers {
  /** Moves the clock on and runs every timer now due, in order. */
  advance(ms: number): void;
  /** Timers set and not yet run, with how long until each is due. */
  pending(): number[];
}

/** Timers that fire only when the test says time has passed: throttles are checked by count, never by waiting. */
export function manualTimers(): ManualTimers {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      timers.set(++nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (!due) break;
        timers.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
      }
      now = until;
    },
    pending: () => [...timers.values()].map((t) => t.at - now),
  };
}
