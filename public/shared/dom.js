// @ts-check
/** Small DOM helpers both pages use: required elements, new nodes, toasts, the sign-in form. */

/** An element the page cannot work without. @param {string} id */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** @param {ParentNode} root @param {string} sel */
export function find(root, sel) {
  const found = root.querySelector(sel);
  if (!(found instanceof HTMLElement)) throw new Error(`missing ${sel}`);
  return found;
}

/** @param {string} tag @param {string} [className] @param {string} [text] */
export function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** A short message that goes away by itself. @param {HTMLElement} container @param {string} text */
export function toast(container, text) {
  const n = node('p', 'toast', text);
  container.append(n);
  setTimeout(() => n.remove(), 6000);
}

/** The label key of each connection state, for the top bar. */
export const CONNECTION_LABELS = /** @type {const} */ ({
  connecting: 'conn.connecting',
  connected: 'conn.connected',
  reconnecting: 'conn.reconnecting',
  polling: 'conn.polling',
  closed: 'conn.signedOut',
});

/**
 * The sign-in form: a pasted token, trimmed, handed on once and cleared from the field.
 * @param {HTMLFormElement} form @param {HTMLInputElement} input @param {(token: string) => void} onToken
 */
export function onSignIn(form, input, onToken) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    input.value = '';
    onToken(token);
  });
}

/**
 * Reads these query parameters and takes them out of the address bar at once (a ?token= must
 * not stay in history or be bookmarked).
 * @param {string[]} names @returns {Record<string, string | null>}
 */
export function takeFromUrl(names) {
  const url = new URL(location.href);
  /** @type {Record<string, string | null>} */
  const found = {};
  for (const name of names) found[name] = url.searchParams.get(name);
  if (names.some((name) => found[name] !== null)) {
    for (const name of names) url.searchParams.delete(name);
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return found;
}
