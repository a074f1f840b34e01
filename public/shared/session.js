// @ts-check
/**
 * What a page keeps in the browser between loads: the token and the UI language, under the
 * page's own key prefix, in the storage the page chooses (the agent page one tab's
 * sessionStorage, the console localStorage because a wallboard runs for days).
 */

/**
 * @param {() => Storage} storage read on every call: touching a disabled storage throws, and
 *   the page must still work then (it only forgets on refresh)
 * @param {string} prefix keys are `${prefix}.${key}`
 */
export function createStore(storage, prefix) {
  /** @param {string} key */
  function read(key) {
    try {
      return storage().getItem(`${prefix}.${key}`);
    } catch {
      return null;
    }
  }
  /** @param {string} key @param {string | null} value null removes it */
  function write(key, value) {
    try {
      if (value === null) storage().removeItem(`${prefix}.${key}`);
      else storage().setItem(`${prefix}.${key}`, value);
    } catch {
      /* storage full or disabled */
    }
  }
  return {
    read,
    write,
    token: () => read('token'),
    /** @param {string | null} token */
    setToken: (token) => write('token', token),
    lang: () => read('lang'),
    /** @param {string} value */
    setLang: (value) => write('lang', value),
  };
}

/** @typedef {{ sub: string, role?: string, exp?: number }} Claims */

/**
 * A JWT's claims, unverified (the server verifies): for naming storage keys, the role, and an
 * expiry check before connecting.
 * @param {string} token @returns {Claims | undefined}
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

/**
 * A token's claims, or the label key saying why it cannot be used (so the page asks again
 * instead of opening a socket the server will refuse).
 * @param {string} token
 * @returns {{ claims: Claims, problem?: undefined } | { claims?: undefined, problem: 'tokenMalformed' | 'tokenExpired' }}
 */
export function checkToken(token) {
  const claims = claimsOf(token);
  if (!claims) return { problem: 'tokenMalformed' };
  if (claims.exp && claims.exp * 1000 < Date.now()) return { problem: 'tokenExpired' };
  return { claims };
}
