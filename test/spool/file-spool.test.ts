import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreTimeoutError } from '../../src/db/store-errors.js';
import { openFileSpool, SpoolFullError, type SpoolRecord } from '../../src/spool/file-spool.js';
import { createSpoolReplayer } from '../../src/spool/replayer.js';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const logger = pino({ level: 'silent' });

describe('the outage spool', () => {
  it('keeps records on disk across a restart until they are applied, in order', async () => {
    const dir = freshDir();
    const first = openFileSpool(dir);
    await first.append('end', { call: 'A' });
    await first.append('end', { call: 'B' });
    await first.append('end', { call: 'C' });
    await first.markApplied(1);
    first.close();

    const again = openFileSpool(dir);
    expect(again.pending().map((r) => r.data)).toEqual([{ call: 'B' }, { call: 'C' }]);
    const next = await again.append('end', { call: 'D' });
    expect(next.seq).toBe(4);
    await again.markApplied(4);
    expect(again.depth()).toBe(0);
    // Drained: the log starts afresh rather than growing with every outage.
    expect(readFileSync(path.join(dir, 'spool.jsonl'), 'utf8')).toBe('');
    again.close();
    expect(openFileSpool(dir).pending()).toEqual([]);
  });

  it('drops a line cut short by a crash mid-append, and keeps the rest', async () => {
    const dir = freshDir();
    const s = openFileSpool(dir);
    await s.append('end', { call: 'A' });
    s.close();
    appendFileSync(path.join(dir, 'spool.jsonl'), '{"seq":2,"at":"2026-11-30T00:00:00.000Z","kind":"end","da');
    const recovered = openFileSpool(dir);
    expect(recovered.pending().map((r) => r.data)).toEqual([{ call: 'A' }]);
    recovered.close();
  });

  it('refuses a record past its byte limit instead of growing without bound', async () => {
    const s = openFileSpool(freshDir(), { maxBytes: 300 });
    await s.append('end', { pad: 'x'.repeat(100) });
    await expect(s.append('end', { pad: 'x'.repeat(200) })).rejects.toBeInstanceOf(SpoolFullError);
    expect(s.depth()).toBe(1);
    s.close();
  });
});

describe('replaying the spool', () => {
  it('applies records in order, waits while the store is away, and resumes where it stopped', async () => {
    const spool = openFileSpool(freshDir());
    for (const n of [1, 2, 3]) await spool.append('n', n);
    const applied: unknown[] = [];
    let storeUp = false;
    const replayer = createSpoolReplayer({
      spool,
      logger,
      minDelayMs: 10,
      isTransient: (err) => err instanceof StoreTimeoutError,
      apply: async (r: SpoolRecord) => {
        if (r.data === 2 && !storeUp) throw new StoreTimeoutError('down');
        applied.push(r.data);
      },
    });
    replayer.wake();
    await expect.poll(() => applied).toEqual([1]);
    expect(spool.depth()).toBe(2);
    storeUp = true;
    await replayer.drained();
    expect(applied).toEqual([1, 2, 3]);
    await replayer.stop();
    spool.close();
  });

  it('sets aside a record that fails every time, on disk, and goes on with the rest', async () => {
    const dir = freshDir();
    const spool = openFileSpool(dir);
    for (const n of [1, 2, 3]) await spool.append('n', n);
    const applied: unknown[] = [];
    const replayer = createSpoolReplayer({
      spool,
      logger,
      minDelayMs: 1,
      isTransient: () => false,
      apply: async (r: SpoolRecord) => {
        if (r.data === 2) throw new Error('no such queue');
        applied.push(r.data);
      },
    });
    await replayer.drained();
    expect(applied).toEqual([1, 3]);
    const dead = readFileSync(path.join(dir, 'dead.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead).toMatchObject([{ kind: 'n', data: 2, reason: 'no such queue' }]);
    await replayer.stop();
    spool.close();
  });
});

describe('what counts as the store being away', () => {
  it('recognises a connection the driver adapter reports closed mid-COMMIT, a timeout and a refused connect', async () => {
    const { isStoreUnavailable, StoreTimeoutError } = await import('../../src/db/store-errors.js');
    expect(isStoreUnavailable(Object.assign(new Error('ConnectionClosed'), { cause: { kind: 'ConnectionClosed' } }))).toBe(true);
    expect(isStoreUnavailable({ name: 'DriverAdapterError', message: 'x', cause: { kind: 'SocketTimeout' } })).toBe(true);
    expect(isStoreUnavailable(new StoreTimeoutError('late'))).toBe(true);
    expect(isStoreUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isStoreUnavailable(new Error('Raw query failed. Code: `N/A`. Message: `Server has closed the connection.`'))).toBe(true);
    // A refusal of what we asked is not an outage.
    expect(isStoreUnavailable(Object.assign(new Error('Unique constraint failed'), { code: 'P2002' }))).toBe(false);
  });
});

describe('a record that fails for a reason that does not look like an outage', () => {
  it('is retried a few times before it is set aside', async () => {
    const dir = freshDir();
    const spool = openFileSpool(dir);
    await spool.append('n', 1);
    let attempts = 0;
    const replayer = createSpoolReplayer({
      spool,
      logger,
      minDelayMs: 1,
      maxFailures: 3,
      isTransient: () => false,
      apply: async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('an error text nobody has seen yet');
      },
    });
    await replayer.drained();
    expect(attempts).toBe(3);
    expect(() => readFileSync(path.join(dir, 'dead.jsonl'))).toThrow();
    await replayer.stop();
    spool.close();
  });
});
