import { isStoreUnavailable, withDeadline } from '../db/store-errors.js';
import type { Logger } from '../logger.js';
import { SpoolFullError, type FileSpool, type SpoolRecord } from '../spool/file-spool.js';
import { createSpoolReplayer } from '../spool/replayer.js';
import type { FallbackHeard } from './apply-fallback.js';
import type { Provider } from './types.js';

/** A provider's end of a call, as kept until the store takes it. */
export interface EndHeard {
  provider: Provider;
  providerCallId: string;
  endStatus: string;
  durationSeconds: number | null;
  endedAt: string;
  from: string;
  to: string | null;
}

/** The call writes that may be kept through a store outage, by kind. */
export interface KeptWriteKinds {
  fallback: FallbackHeard;
  end: EndHeard;
  callback_end: { callId: string };
}
export type KeptKind = keyof KeptWriteKinds;

export interface KeptWrites {
  /** Keeps the write for the replayer (on disk before this resolves); false when the spool is full. */
  keep<K extends KeptKind>(kind: K, data: KeptWriteKinds[K]): Promise<boolean>;
  /**
   * Applies the write now, unless older writes still wait (order is kept) or it fails or
   * takes longer than `deadlineMs`: then keeps it. Throws only when it can be neither
   * applied nor kept (the spool is full).
   */
  applyOrKeep<K extends KeptKind>(kind: K, data: KeptWriteKinds[K], deadlineMs: number): Promise<'applied' | 'kept'>;
  /** Writes waiting for the store. */
  depth(): number;
  bytes(): number;
  /** Resolves once every kept write has been applied. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

type Appliers = { [K in KeptKind]: (data: KeptWriteKinds[K], pending: readonly SpoolRecord[]) => Promise<void> };

/**
 * What a store outage must not lose: fallbacks callers heard, ends of calls, ends of
 * callback legs. Kept in the durable spool and replayed in order, each by the keys the
 * store already uses (provider + call id, step number), so a replay twice is one write.
 */
export function createKeptWrites(deps: { spool: FileSpool; apply: Appliers; logger: Logger; onDrained?: () => void }): KeptWrites {
  const apply = (record: SpoolRecord, pending: readonly SpoolRecord[]) => {
    const fn = deps.apply[record.kind as KeptKind] as ((data: unknown, pending: readonly SpoolRecord[]) => Promise<void>) | undefined;
    if (!fn) throw new Error(`unknown kept write '${record.kind}'`);
    return fn(record.data, pending);
  };
  const replayer = createSpoolReplayer({ spool: deps.spool, apply, isTransient: isStoreUnavailable, logger: deps.logger, onDrained: deps.onDrained });
  replayer.wake();

  const writes: KeptWrites = {
    async keep(kind, data) {
      try {
        await deps.spool.append(kind, data);
      } catch (err) {
        // Full or unwritable: say so loudly; the caller's TwiML still goes out.
        deps.logger.error({ kind, depth: deps.spool.depth(), full: err instanceof SpoolFullError, err }, 'write could not be kept');
        return false;
      }
      replayer.wake();
      return true;
    },
    async applyOrKeep(kind, data, deadlineMs) {
      if (deps.spool.depth() === 0) {
        try {
          await withDeadline(deps.apply[kind](data, []), deadlineMs, kind);
          return 'applied';
        } catch (err) {
          // Whatever failed, the write is kept: the provider will not send it again, and the
          // replayer retries it (and sets aside, on disk, only what fails every time).
          if (!isStoreUnavailable(err)) deps.logger.error({ kind, err }, 'write failed: kept for the replayer');
        }
      }
      if (!(await writes.keep(kind, data))) throw new Error('the store is away and the spool is full');
      return 'kept';
    },
    depth: () => deps.spool.depth(),
    bytes: () => deps.spool.bytes(),
    drained: () => replayer.drained(),
    stop: () => replayer.stop(),
  };
  return writes;
}

/** Whether an end for this call is among the writes not applied yet. */
export function endIsPending(pending: readonly SpoolRecord[], call: { provider: Provider; providerCallId: string }): boolean {
  return pending.some((r) => r.kind === 'end' && (r.data as EndHeard).provider === call.provider && (r.data as EndHeard).providerCallId === call.providerCallId);
}
