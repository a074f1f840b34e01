import { closeSync, existsSync, fdatasync, ftruncate, mkdirSync, openSync, readFileSync, write } from 'node:fs';
import { rename as renameAsync, writeFile as writeFileAsync } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const truncateAsync = promisify(ftruncate);

/** One record kept while its store was unreachable. */
export interface SpoolRecord<T = unknown> {
  seq: number;
  /** When it was spooled (ISO). */
  at: string;
  kind: string;
  data: T;
}

/** The spool has reached its byte limit: the record was NOT kept. */
export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

/**
 * An append-only, fsync'd log of records that could not be written to the database, kept
 * in order until they are applied. Not a general queue: it holds minutes of an outage, so
 * what is pending also stays in memory (bounded by `maxBytes`, like the file).
 */
export interface FileSpool {
  /** Appends and fsyncs; resolves once the record is on disk. Throws SpoolFullError past the limit. */
  append(kind: string, data: unknown, at?: Date): Promise<SpoolRecord>;
  /** Records not applied yet, oldest first. */
  pending(): readonly SpoolRecord[];
  /** Everything up to and including `seq` has been applied (or set aside). */
  markApplied(seq: number): Promise<void>;
  /** Keeps a record that cannot ever be applied in `dead.jsonl` beside the log, so nothing is lost silently. */
  setAside(record: SpoolRecord, reason: string): Promise<void>;
  /** Retention: drops records set aside before `before` from `dead.jsonl`; returns how many. Pending records are never dropped. */
  pruneSetAside(before: Date): Promise<number>;
  depth(): number;
  bytes(): number;
  close(): void;
}

/**
 * Opens (or recovers) the spool in `dir`: `spool.jsonl` holds the records, one JSON line
 * each; `applied` the highest sequence number already applied. A line cut short by a crash
 * mid-append was never acknowledged to anyone, so it is dropped on recovery.
 */
export function openFileSpool(dir: string, opts: { maxBytes?: number; onChange?: (depth: number, bytes: number) => void } = {}): FileSpool {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  mkdirSync(dir, { recursive: true });
  const logPath = path.join(dir, 'spool.jsonl');
  const appliedPath = path.join(dir, 'applied');
  const deadPath = path.join(dir, 'dead.jsonl');

  const applied = existsSync(appliedPath) ? Number(readFileSync(appliedPath, 'utf8').trim()) || 0 : 0;
  let pending: SpoolRecord[] = [];
  let lastSeq = applied;
  if (existsSync(logPath)) {
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (!line) continue;
      let record: SpoolRecord;
      try {
        record = JSON.parse(line) as SpoolRecord;
      } catch {
        continue;
      }
      lastSeq = Math.max(lastSeq, record.seq);
      if (record.seq > applied) pending.push(record);
    }
  }
  const fd = openSync(logPath, 'a');
  let closed = false;
  let size = 0;
  // Appends, truncation and the applied marker are serialised: a truncate between a write
  // and its fsync would lose a record that was already acknowledged.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };

  const sizes = new Map<number, number>(pending.map((r) => [r.seq, Buffer.byteLength(JSON.stringify(r)) + 1]));
  for (const n of sizes.values()) size += n;

  return {
    append(kind, data, at = new Date()) {
      return serial(async () => {
        const record: SpoolRecord = { seq: lastSeq + 1, at: at.toISOString(), kind, data };
        const line = `${JSON.stringify(record)}\n`;
        const n = Buffer.byteLength(line);
        if (size + n > maxBytes) throw new SpoolFullError(`spool is full (${size} of ${maxBytes} bytes)`);
        await writeAsync(fd, line);
        await datasyncAsync(fd);
        lastSeq = record.seq;
        size += n;
        sizes.set(record.seq, n);
        pending.push(record);
        opts.onChange?.(pending.length, size);
        return record;
      });
    },
    pending: () => pending,
    markApplied(seq) {
      return serial(async () => {
        while (pending.length > 0 && pending[0]!.seq <= seq) {
          const done = pending.shift()!;
          size -= sizes.get(done.seq) ?? 0;
          sizes.delete(done.seq);
        }
        if (pending.length === 0) {
          // Drained: start the log afresh so it never grows past one outage.
          await truncateAsync(fd, 0);
          await datasyncAsync(fd);
          size = 0;
        }
        // Not fsync'd: the marker only spares work. Lost or torn in a crash, the records
        // after the last one it names are replayed again, and replaying is idempotent.
        await writeFileAsync(appliedPath, String(seq));
        opts.onChange?.(pending.length, size);
      });
    },
    setAside(record, reason) {
      return serial(async () => {
        const f = openSync(deadPath, 'a');
        try {
          await writeAsync(f, `${JSON.stringify({ ...record, reason })}\n`);
          await datasyncAsync(f);
        } finally {
          closeSync(f);
        }
      });
    },
    pruneSetAside(before) {
      return serial(async () => {
        if (!existsSync(deadPath)) return 0;
        const lines = readFileSync(deadPath, 'utf8').split('\n').filter(Boolean);
        // A line that does not parse has no date to judge it by: kept, for a person to look at.
        const kept = lines.filter((line) => {
          try {
            return !(Date.parse((JSON.parse(line) as SpoolRecord).at) < before.getTime());
          } catch {
            return true;
          }
        });
        if (kept.length === lines.length) return 0;
        // A new file renamed over the old: a crash leaves one or the other, never half of each.
        const next = `${deadPath}.next`;
        await writeFileAsync(next, kept.map((l) => `${l}\n`).join(''));
        await renameAsync(next, deadPath);
        return lines.length - kept.length;
      });
    },
    depth: () => pending.length,
    bytes: () => size,
    close() {
      // Twice is harmless (a server shut down by both its close() and the signal handler).
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
