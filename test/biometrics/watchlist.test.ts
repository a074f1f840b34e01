import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWatchlist } from '../../src/biometrics/watchlist.js';
import { createWatchlistStore } from '../../src/biometrics/watchlist-store.js';
import { createTestDatabase } from '../helpers/test-db.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const now = () => new Date('2026-11-29T07:00:00Z');
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const watchlist = () => createWatchlist({ store: createWatchlistStore(db.prisma), now });

describe('isWatchlisted', () => {
  it('matches a listed number however the caller id spells it, and a listed speaker', async () => {
    const w = watchlist();
    await w.add({ kind: 'number', value: '+966501234567', reason: 'account takeover' }, 'admin-1');
    await w.add({ kind: 'speaker', value: 'spk_7f3a', reason: 'known fraudster' }, 'admin-1');
    expect(await w.isWatchlisted({ number: '0501234567' })).toBe(true);
    expect(await w.isWatchlisted({ number: '٠٥٠١٢٣٤٥٦٧' })).toBe(true);
    expect(await w.isWatchlisted({ speakerId: 'spk_7f3a' })).toBe(true);
    expect(await w.isWatchlisted({ number: '+966501234568', speakerId: 'spk_7f3a' })).toBe(true);
  });

  it('matches nothing for an unlisted caller, an anonymous number or no identifiers at all', async () => {
    const w = watchlist();
    expect(await w.isWatchlisted({ number: '+966501234599' })).toBe(false);
    expect(await w.isWatchlisted({ number: 'anonymous' })).toBe(false);
    expect(await w.isWatchlisted({ speakerId: 'SPK_7F3A' })).toBe(false);
    expect(await w.isWatchlisted({})).toBe(false);
  });

  it('stops matching once the entry is removed', async () => {
    const w = watchlist();
    const { entry } = await w.add({ kind: 'speaker', value: 'spk_gone', reason: 'mistake' }, 'admin-1');
    expect(await w.isWatchlisted({ speakerId: 'spk_gone' })).toBe(true);
    await w.remove(entry.id, 'admin-2');
    expect(await w.isWatchlisted({ speakerId: 'spk_gone' })).toBe(false);
  });

  it('stores one entry when the same value is added twice at once', async () => {
    const w = watchlist();
    const results = await Promise.all([1, 2, 3].map(() => w.add({ kind: 'speaker', value: 'spk_twice', reason: 'dup' }, 'admin-1')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entry.id)).size).toBe(1);
    expect(await db.prisma.watchlistEntry.count({ where: { value: 'spk_twice' } })).toBe(1);
    expect(await db.prisma.watchlistAudit.count({ where: { value: 'spk_twice' } })).toBe(1);
  });
});
