// @ts-check
/**
 * The softphone's socket to GET /ws/agent: reconnects by itself, resumes from the last
 * sequence number seen, acknowledges durable messages and drops the ones it has already
 * handled, so the UI code only ever sees each message once.
 */
import { session } from './session.js';

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
/** Close codes the hub uses for a refused token: retrying cannot help. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);
/**
 * A node draining for a restart (1012 service restart; 1001 going away from older nodes):
 * the load balancer already has a node ready, so reconnect soon, whatever failed before.
 */
const RESTART_CLOSE_CODES = new Set([1001, 1012]);
/** Restart reconnects are spread over this window so a node's agents do not all arrive at once. */
const RESTART_SPREAD_MS = 1000;
/** How many handled seqs to remember (a resume never replays more than this). */
const HANDLED_LIMIT = 2000;

/**
 * @typedef {'connecting' | 'connected' | 'reconnecting' | 'closed'} ConnState
 * @typedef {{ type: string, seq?: number, id?: string, [k: string]: unknown }} ServerMessage
 * @typedef {{
 *   token: string,
 *   agent: string,
 *   onMessage: (msg: ServerMessage) => void,
 *   onState: (state: ConnState, retryInMs?: number) => void,
 *   onAuthFailure: (reason: string) => void,
 * }} ConnectionOptions
 */

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s … up to 10 s, each drawn from its upper half. @param {number} attempt */
export function backoffDelay(attempt) {
  const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * How long to wait before reconnecting after a close with this code.
 * @param {number} closeCode @param {number} attempt reconnects tried since the last hello
 */
export function reconnectDelay(closeCode, attempt) {
  if (RESTART_CLOSE_CODES.has(closeCode)) return MIN_DELAY_MS / 2 + Math.round(Math.random() * RESTART_SPREAD_MS);
  return backoffDelay(attempt);
}

/** @param {ConnectionOptions} opts */
export function createConnection(opts) {
  const url = `${location.origin.replace(/^http/, 'ws')}/ws/agent`;
  /** @type {WebSocket | undefined} */
  let ws;
  let attempt = 0;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let lastSeq = session.lastSeq(opts.agent);
  // Handled in this page only: after a refresh the hub re-sends open offers with their
  // original seq, and the fresh page must show them.
  /** @type {Set<number>} */
  let handled = new Set();

  /** @param {Record<string, unknown>} message */
  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  /** @param {number} seq */
  function remember(seq) {
    handled.add(seq);
    if (handled.size > HANDLED_LIMIT) {
      const oldest = Math.min(...handled);
      handled.delete(oldest);
    }
    if (seq > lastSeq) {
      lastSeq = seq;
      session.setLastSeq(opts.agent, seq);
    }
  }

  /** @param {ServerMessage} msg */
  function onHello(msg) {
    attempt = 0;
    const serverSeq = msg.lastSeq;
    // The hub's counter is behind ours (a new database): forget our numbers or we would
    // drop its next messages as duplicates.
    if (typeof serverSeq === 'number' && serverSeq < lastSeq) {
      lastSeq = serverSeq;
      session.setLastSeq(opts.agent, serverSeq);
      handled = new Set([...handled].filter((s) => s <= serverSeq));
    }
  }

  /** @param {MessageEvent} ev */
  function onFrame(ev) {
    /** @type {ServerMessage} */
    let msg;
    try {
      msg = JSON.parse(String(ev.data));
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
    if (msg.type === 'hello') onHello(msg);
    const durable = typeof msg.seq === 'number' && typeof msg.id === 'string';
    if (!durable) {
      opts.onMessage(msg);
      return;
    }
    const seq = /** @type {number} */ (msg.seq);
    const id = /** @type {string} */ (msg.id);
    try {
      if (!handled.has(seq)) {
        remember(seq);
        opts.onMessage(msg);
      }
    } finally {
      // Acked even when it was a duplicate: the hub re-sent it because it missed our ack.
      send({ type: 'ack', id });
    }
  }

  /** The hub refuses a bad token before the upgrade, which a browser only sees as a failed socket: ask the API why. */
  async function tokenRefused() {
    try {
      const res = await fetch(`/api/agents/${encodeURIComponent(opts.agent)}/reservations`, {
        headers: { Authorization: `Bearer ${opts.token}` },
        cache: 'no-store',
      });
      return res.status === 401 || res.status === 403;
    } catch {
      return false; // the server is down: keep retrying
    }
  }

  /** @param {number} closeCode */
  function scheduleReconnect(closeCode) {
    if (stopped) return;
    if (RESTART_CLOSE_CODES.has(closeCode)) attempt = 0;
    const delay = reconnectDelay(closeCode, attempt);
    attempt += 1;
    opts.onState('reconnecting', delay);
    clearTimeout(timer);
    timer = setTimeout(connect, delay);
  }

  function connect() {
    if (stopped) return;
    clearTimeout(timer);
    timer = undefined;
    let opened = false;
    opts.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(url, ['bearer', opts.token]);
    ws = socket;
    socket.onopen = () => {
      opened = true;
      opts.onState('connected');
      if (lastSeq > 0) send({ type: 'resume', lastSeq });
    };
    socket.onmessage = onFrame;
    socket.onclose = async (ev) => {
      if (ws !== socket || stopped) return;
      ws = undefined;
      if (AUTH_CLOSE_CODES.has(ev.code)) {
        stopped = true;
        opts.onAuthFailure(`close ${ev.code}`);
        return;
      }
      if (!opened && (await tokenRefused())) {
        stopped = true;
        opts.onAuthFailure('handshake refused');
        return;
      }
      scheduleReconnect(ev.code);
    };
  }

  // Back online after a network drop: try now rather than at the end of the backoff.
  const onOnline = () => {
    if (!stopped && timer !== undefined) connect();
  };
  window.addEventListener('online', onOnline);

  connect();

  return {
    send,
    /** Stops for good (sign out). */
    close() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', onOnline);
      const socket = ws;
      ws = undefined;
      socket?.close(1000, 'signed out');
      opts.onState('closed');
    },
  };
}
