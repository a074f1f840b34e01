import type { Logger } from '../../logger.js';
import { computeExperience, type Experience } from './experience-formula.js';
import type { ExperienceStore } from './experience-store.js';

/** What the pop shows (DESIGN.md: `experience`). */
export interface ExperienceView {
  score: number;
  csat: number | null;
  nps: number | null;
  fcr: number | null;
  openComplaints: number;
}

export interface ExperienceService {
  /** Recompute the customer's score in the background (coalesced per customer); never throws. */
  refresh(customerId: string): void;
  /**
   * The customer's stored score, computed and stored first if they have none yet. `stored`:
   * what the caller lookup already read of it (null: nothing stored), so it is not read again.
   */
  current(customerId: string, opts?: { noHistory?: boolean; stored?: ExperienceView | null }): Promise<ExperienceView>;
  /** The stored score alone (routing reads it as `customer.experienceScore`); undefined when never computed. */
  score(customerId: string): Promise<number | undefined>;
  /** Resolves once every refresh asked for so far has finished. */
  idle(): Promise<void>;
}

export function viewOf(e: ExperienceView): ExperienceView {
  return { score: e.score, csat: e.csat, nps: e.nps, fcr: e.fcr, openComplaints: e.openComplaints };
}

/**
 * Keeps each customer's experience score current as events arrive (a survey answer, a new
 * timeline entry, a call's end). Each recompute reads the facts afresh, so a lost or
 * repeated trigger costs a little work and never a wrong score for long.
 */
export function createExperienceService(deps: { store: ExperienceStore; now: () => Date; logger: Logger }): ExperienceService {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  async function recompute(customerId: string): Promise<Experience> {
    const now = deps.now();
    const e = computeExperience(await deps.store.facts(customerId, now));
    await deps.store.save(customerId, e, now);
    return e;
  }

  return {
    refresh(customerId) {
      if (running.has(customerId)) {
        // One more pass after the running one: it may have read before this event was written.
        again.add(customerId);
        return;
      }
      const run = (async () => {
        do {
          again.delete(customerId);
          try {
            await recompute(customerId);
          } catch (err) {
            deps.logger.warn({ err, customerId }, 'experience score not recomputed');
          }
        } while (again.has(customerId));
      })().finally(() => running.delete(customerId));
      running.set(customerId, run);
    },

    async current(customerId, opts) {
      const stored = opts?.stored !== undefined ? opts.stored : await deps.store.get(customerId);
      if (stored) return viewOf(stored);
      // No timeline at all means no surveys, contacts or complaints to read: the score is the
      // formula's starting point, known without the three reads and the write (a first call's pop).
      if (opts?.noHistory) return viewOf(computeExperience({ surveys: [], interactions: [], openComplaints: 0 }));
      return viewOf(await recompute(customerId));
    },

    async score(customerId) {
      return (await deps.store.get(customerId))?.score;
    },

    async idle() {
      while (running.size) await Promise.all([...running.values()]);
    },
  };
}
