import { normalizePhone } from '../crm/phone.js';
import type { TWatchlistInput, WatchlistEntry } from './watchlist-schemas.js';
import type { WatchlistStore } from './watchlist-store.js';

export interface Watchlist {
  /** Adds a validated entry (numbers already in E.164); a repeat returns the existing entry with `created: false`. */
  add(input: TWatchlistInput, by: string): Promise<{ entry: WatchlistEntry; created: boolean }>;
  /** Every entry, newest first. */
  list(): Promise<WatchlistEntry[]>;
  /** Removes an entry; undefined when there is none with that id. */
  remove(id: string, by: string): Promise<WatchlistEntry | undefined>;
  /**
   * True when the caller's number (any spelling normalizePhone accepts) or the speaker id
   * is listed. A number that is not a phone number (anonymous, sip:…) matches nothing.
   */
  isWatchlisted(who: { number?: string; speakerId?: string }): Promise<boolean>;
}

/** The fraud watchlist's use cases: the admin API and the verification flow. */
export function createWatchlist(deps: { store: WatchlistStore; now: () => Date }): Watchlist {
  return {
    add: (input, by) => deps.store.add(input, by, deps.now()),
    list: () => deps.store.list(),
    remove: (id, by) => deps.store.remove(id, by, deps.now()),
    async isWatchlisted({ number, speakerId }) {
      const keys: Array<{ kind: 'number' | 'speaker'; value: string }> = [];
      const e164 = number === undefined ? undefined : normalizePhone(number);
      if (e164) keys.push({ kind: 'number', value: e164 });
      if (speakerId) keys.push({ kind: 'speaker', value: speakerId });
      return deps.store.contains(keys);
    },
  };
}
