// @ts-check
/**
 * The console keeps its token in localStorage: a wallboard runs for days on a screen nobody
 * signs in to again. Sign-out forgets it.
 */
const TOKEN_KEY = 'console.token';
const LANG_KEY = 'console.lang';

/** @param {string} key */
function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
/** @param {string} key @param {string | null} value */
function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    /* storage disabled: the page still works until it is closed */
  }
}

/**
 * A JWT's claims, unverified (the server verifies): for the role and an expiry check before connecting.
 * @param {string} token @returns {{ sub: string, role?: string, exp?: number } | undefined}
 */
export function claimsOf(token) {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=')));
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
};
