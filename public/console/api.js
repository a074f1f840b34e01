// @ts-check
/** The admin API with the signed-in token; errors come back as { status, error } rather than thrown. */

/** @type {string | undefined} */
let token;
/** @type {() => void} */
let onAuthFailure = () => {};

/** @param {string | undefined} value @param {() => void} [authFailure] */
export function useToken(value, authFailure) {
  token = value;
  if (authFailure) onAuthFailure = authFailure;
}

/**
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<{ ok: boolean, status: number, body: any }>}
 */
export async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, body: { error: { code: 'NETWORK', message: 'network error' } } };
  }
  const json = await res.json().catch(() => ({}));
  if (res.status === 401) onAuthFailure();
  return { ok: res.ok, status: res.status, body: json };
}
