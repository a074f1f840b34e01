// @ts-check
/**
 * What the page keeps in sessionStorage (one tab, gone when the tab closes): the token,
 * the highest message seq seen, the open call cards and the server clock offset, so a
 * refresh resumes where it was. Per-agent keys: signing in as someone else starts clean.
 */

const TOKEN_KEY = 'softphone.token';
const LANG_KEY = 'softphone.lang';

/** @param {string} key */
function read(key) {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null; // storage disabled: the page still works, it just forgets on refresh
  }
}

/** @param {string} key @param {string | null} value */
function write(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    /* storage full or disabled */
  }
}

/**
 * The claims of a JWT, without verifying it (the server does that): used only to name
 * the storage keys and to notice an expired token before connecting.
 * @param {string} token
 * @returns {{ sub: string, role?: string, exp?: number } | undefined}
 */
export function claimsOf(token) {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json);
    return claims && typeof claims.sub === 'string' ? claims : undefined;
  } catch {
    return undefined;
  }
}

export const session = {
  token: () => read(TOKEN_KEY),
  /** @param {string | null} token */
  setToken: (token) => write(TOKEN_KEY, token),
  lang: () => read(LANG_KEY),
  /** @param {string} value */
  setLang: (value) => write(LANG_KEY, value),

  /** @param {string} agent */
  lastSeq(agent) {
    const n = Number(read(`softphone.lastSeq.${agent}`));
    return Number.isInteger(n) && n > 0 ? n : 0;
  },
  /** @param {string} agent @param {number} seq */
  setLastSeq: (agent, seq) => write(`softphone.lastSeq.${agent}`, String(seq)),

  /** @param {string} agent @returns {unknown[]} */
  cards(agent) {
    try {
      const parsed = JSON.parse(read(`softphone.cards.${agent}`) ?? '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  },
  /** @param {string} agent @param {unknown[]} cards */
  setCards: (agent, cards) => write(`softphone.cards.${agent}`, cards.length ? JSON.stringify(cards) : null),

  /** @param {string} agent */
  clockOffset(agent) {
    const raw = read(`softphone.clock.${agent}`);
    // Nothing stored is "unknown", not 0: a 0 would win over every later, smaller reading and
    // a laptop clock ahead of the server's would show each new offer as already expired.
    const n = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(n) ? n : undefined;
  },
  /** @param {string} agent @param {number} ms */
  setClockOffset: (agent, ms) => write(`softphone.clock.${agent}`, String(Math.round(ms))),

  /** Sign out: forget everything of this agent. @param {string | undefined} agent */
  clear(agent) {
    write(TOKEN_KEY, null);
    if (!agent) return;
    for (const k of ['lastSeq', 'cards', 'clock']) write(`softphone.${k}.${agent}`, null);
  },
};
