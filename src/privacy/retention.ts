import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { removeWatchlistAuditBefore } from '../biometrics/watchlist-store.js';
import { removeCallEventsBefore } from '../calls/call-events.js';
import { clearIvrInputsBefore, type StepMark } from '../calls/call-repo.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { removeAgentMessagesBefore } from '../realtime/agent-messages.js';
import { clearQueueInputs } from '../routing/queue-store.js';
import type { FileSpool } from '../spool/file-spool.js';
import { clearInteractionTextsBefore, type TimelineMark } from '../timeline/interaction-repo.js';
import type { AccessLogStore } from './access-log-store.js';
import type { ErasureStore } from './erasure-store.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from './retention-policy.js';

export { DEFAULT_RETENTION, type RetentionPolicy };

export type RetentionKind = 'agentMessages' | 'ivrInputs' | 'interactionTexts' | 'callEvents' | 'spool' | 'watchlistAudit' | 'erasureReceipts' | 'accessLog';

/** What one run removed or cleared, per kind; `more` lists the kinds it stopped short on (the next run goes on). */
export interface RetentionReport {
  removed: Record<RetentionKind, number>;
  more: RetentionKind[];
}

/** Each kind's owner does its own removal; these are bound to the database in `createRetention`. */
export interface RetentionTargets {
  agentMessages(before: Date, limit: number): Promise<number>;
  ivrInputs(before: Date, after: StepMark | undefined, limit: number): Promise<{ cleared: number; callIds: string[]; last?: StepMark }>;
  queueInputs(callIds: string[]): Promise<number>;
  interactionTexts(before: Date, after: TimelineMark | undefined, limit: number): Promise<{ cleared: number; last?: TimelineMark }>;
  callEvents(before: Date, limit: number): Promise<number>;
  watchlistAudit(before: Date, limit: number): Promise<number>;
  erasureReceipts(before: Date, limit: number): Promise<number>;
  accessLog(before: Date, limit: number): Promise<number>;
  /** Absent under serverless (no spool). */
  spool?: Pick<FileSpool, 'pruneSetAside'>;
}

export function retentionTargets(db: Db, stores: { accessLog: AccessLogStore; erasures: ErasureStore; spool?: FileSpool }): RetentionTargets {
  return {
    agentMessages: (before, limit) => removeAgentMessagesBefore(db, before, limit),
    ivrInputs: (before, after, limit) => clearIvrInputsBefore(db, before, after, limit),
    queueInputs: (callIds) => clearQueueInputs(db, callIds),
    interactionTexts: (before, after, limit) => clearInteractionTextsBefore(db, before, after, limit),
    callEvents: (before, limit) => removeCallEventsBefore(db, before, limit),
    watchlistAudit: (before, limit) => removeWatchlistAuditBefore(db, before, limit),
    erasureReceipts: (before, limit) => stores.erasures.removeOlderThan(before, limit),
    accessLog: (before, limit) => stores.accessLog.removeOlderThan(before, limit),
    spool: stores.spool,
  };
}

export interface Retention {
  /** One pass over every kind, at most `maxBatches` batches of `batchSize` rows each. */
  runRetention(now: Date): Promise<RetentionReport>;
}

const DAY_MS = 24 * 3600_000;

/**
 * The retention job. Every batch is its own short statement touching at most `batchSize`
 * rows, found through a time index, and rows a live transaction holds are skipped (SKIP
 * LOCKED) rather than waited for: hot tables are never locked for long. Updates (texts,
 * IVR inputs) walk forward from where the last batch ended, remembered between runs, so
 * rows already cleared are not read again (the walk starts over once a day).
 */
export function createRetention(deps: { targets: RetentionTargets; policy?: Partial<RetentionPolicy>; logger: Logger; batchSize?: number; maxBatches?: number }): Retention {
  const policy = { ...DEFAULT_RETENTION, ...deps.policy };
  const batchSize = deps.batchSize ?? 1000;
  const maxBatches = deps.maxBatches ?? 50;
  const t = deps.targets;
  let stepMark: StepMark | undefined;
  let textMark: TimelineMark | undefined;
  // Rows can arrive with a time behind the marks (an import of old messages, a replayed
  // spool): once a day the walk starts again from the oldest.
  let marksFrom: number | undefined;

  /** Runs `batch` until it does less than a full batch or the run's share is used; true when stopped short. */
  async function drain(batch: () => Promise<{ n: number; full: boolean }>, add: (n: number) => void): Promise<boolean> {
    for (let i = 0; i < maxBatches; i += 1) {
      const { n, full } = await batch();
      add(n);
      if (!full) return false;
      await yieldToLoop();
    }
    return true;
  }

  return {
    async runRetention(now) {
      const before = (days: number) => new Date(now.getTime() - days * DAY_MS);
      if (marksFrom === undefined || now.getTime() - marksFrom >= DAY_MS) {
        stepMark = undefined;
        textMark = undefined;
        marksFrom = now.getTime();
      }
      const removed: Record<RetentionKind, number> = {
        agentMessages: 0, ivrInputs: 0, interactionTexts: 0, callEvents: 0, spool: 0, watchlistAudit: 0, erasureReceipts: 0, accessLog: 0,
      };
      const more: RetentionKind[] = [];
      const deletes: Array<[RetentionKind, (before: Date, limit: number) => Promise<number>, number]> = [
        ['agentMessages', t.agentMessages, policy.agentMessagesDays],
        ['callEvents', t.callEvents, policy.callEventsDays],
        ['watchlistAudit', t.watchlistAudit, policy.auditDays],
        ['erasureReceipts', t.erasureReceipts, policy.auditDays],
        ['accessLog', t.accessLog, policy.accessLogDays],
      ];
      for (const [kind, remove, days] of deletes) {
        const cutoff = before(days);
        const stopped = await drain(
          async () => {
            const n = await remove(cutoff, batchSize);
            return { n, full: n >= batchSize };
          },
          (n) => (removed[kind] += n),
        );
        if (stopped) more.push(kind);
      }

      const ivrCutoff = before(policy.ivrInputsDays);
      if (
        await drain(
          async () => {
            const r = await t.ivrInputs(ivrCutoff, stepMark, batchSize);
            if (r.last) stepMark = r.last;
            await t.queueInputs(r.callIds);
            return { n: r.cleared, full: r.last !== undefined };
          },
          (n) => (removed.ivrInputs += n),
        )
      )
        more.push('ivrInputs');

      const textCutoff = before(policy.interactionTextsDays);
      if (
        await drain(
          async () => {
            const r = await t.interactionTexts(textCutoff, textMark, batchSize);
            if (r.last) textMark = r.last;
            return { n: r.cleared, full: r.last !== undefined };
          },
          (n) => (removed.interactionTexts += n),
        )
      )
        more.push('interactionTexts');

      if (t.spool) removed.spool = await t.spool.pruneSetAside(before(policy.spoolDays));

      const total = Object.values(removed).reduce((a, b) => a + b, 0);
      if (total > 0 || more.length > 0) deps.logger.info({ removed, more }, 'retention pass');
      return { removed, more };
    },
  };
}
