// @ts-check
/** The agent API with this tab's token; failures come back as { ok: false, status, body } rather than thrown (status 0: no answer). */
import { session } from './session.js';

/**
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<{ ok: boolean, status: number, body: any }>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${session.token() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, body: {} };
  }
  const json = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, body: json };
}
