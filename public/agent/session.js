// @ts-check
/**
 * What the page keeps in sessionStorage (one tab, gone when the tab closes): the token,
 * the highest message seq seen, the open call cards and the server clock offset, so a
 * refresh resumes where it was. Per-agent keys: signing in as someone else starts clean.
 */

import { createStore } from '../shared/session.js';

const store = createStore(() => sessionStorage, 'softphone');
const { read, write } = store;

export const session = {
  token: store.token,
  setToken: store.setToken,
  lang: store.lang,
  setLang: store.setLang,

  /** @param {string} agent */
  lastSeq(agent) {
    const n = Number(read(`lastSeq.${agent}`));
    return Number.isInteger(n) && n > 0 ? n : 0;
  },
  /** @param {string} agent @param {number} seq */
  setLastSeq: (agent, seq) => write(`lastSeq.${agent}`, String(seq)),

  /** @param {string} agent @returns {unknown[]} */
  cards(agent) {
    try {
      const parsed = JSON.parse(read(`cards.${agent}`) ?? '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  },
  /** @param {string} agent @param {unknown[]} cards */
  setCards: (agent, cards) => write(`cards.${agent}`, cards.length ? JSON.stringify(cards) : null),

  /** @param {string} agent */
  clockOffset(agent) {
    const raw = read(`clock.${agent}`);
    // Nothing stored is "unknown", not 0: a 0 would win over every later, smaller reading and
    // a laptop clock ahead of the server's would show each new offer as already expired.
    const n = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(n) ? n : undefined;
  },
  /** @param {string} agent @param {number} ms */
  setClockOffset: (agent, ms) => write(`clock.${agent}`, String(Math.round(ms))),

  /** Sign out: forget everything of this agent. @param {string | undefined} agent */
  clear(agent) {
    store.setToken(null);
    if (!agent) return;
    for (const k of ['lastSeq', 'cards', 'clock']) write(`${k}.${agent}`, null);
  },
};
