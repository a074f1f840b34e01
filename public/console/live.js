// @ts-check
/**
 * The console's socket to GET /ws/supervisor: reconnects by itself with backoff; a refused
 * token (the handshake fails and the API says 401/403) signs the page out instead of retrying.
 * While there is no socket (a serverless deployment has none for supervisors; a network blip)
 * the page polls GET /api/supervisor/live, which answers the socket's opening messages.
 */

/** @typedef {'connecting' | 'connected' | 'reconnecting' | 'polling' | 'closed'} ConnState */

const POLL_MS = 5000;

/**
 * @param {{ token: string, onMessage: (m: Record<string, any>) => void, onState: (s: ConnState) => void, onAuthFailure: () => void }} opts
 */
export function createLive(opts) {
  const url = `${location.origin.replace(/^http/, 'ws')}/ws/supervisor`;
  /** @type {WebSocket | undefined} */
  let ws;
  let attempt = 0;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pollTimer;
  /** Polls since the socket was last open: the greeting (which reloads the day's KPIs) only on the first. */
  let polls = 0;
  const socketOpen = () => ws?.readyState === WebSocket.OPEN;

  async function poll() {
    pollTimer = undefined;
    if (stopped || socketOpen()) return;
    try {
      const res = await fetch('/api/supervisor/live', { headers: { Authorization: `Bearer ${opts.token}` }, cache: 'no-store' });
      if (res.status === 401 || res.status === 403) {
        stopped = true;
        opts.onAuthFailure();
        return;
      }
      if (res.ok && !stopped && !socketOpen()) {
        const body = await res.json();
        for (const m of body.messages ?? []) if (m.type !== 'hello' || polls === 0) opts.onMessage(m);
        polls += 1;
        opts.onState('polling');
      }
    } catch {
      /* offline: the next poll or the socket catches up */
    }
    if (!stopped && !socketOpen()) pollTimer = setTimeout(poll, POLL_MS);
  }

  async function tokenRefused() {
    try {
      const res = await fetch('/api/routing/rules', { headers: { Authorization: `Bearer ${opts.token}` } });
      return res.status === 401 || res.status === 403;
    } catch {
      return false;
    }
  }

  function open() {
    if (stopped) return;
    opts.onState(attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(url, ['bearer', opts.token]);
    ws = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      polls = 0;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = undefined;
      opts.onState('connected');
    };
    socket.onmessage = (ev) => {
      try {
        opts.onMessage(JSON.parse(String(ev.data)));
      } catch {
        /* a message we cannot read is skipped; the next stats message carries everything */
      }
    };
    socket.onclose = async () => {
      if (stopped || ws !== socket) return;
      if (!opened && (await tokenRefused())) {
        stopped = true;
        opts.onAuthFailure();
        return;
      }
      attempt += 1;
      const ceiling = Math.min(10_000, 500 * 2 ** attempt);
      if (polls === 0) opts.onState('reconnecting');
      timer = setTimeout(open, Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
      if (!pollTimer) void poll();
    };
  }
  open();

  return {
    /** @param {Record<string, unknown>} message */
    send(message) {
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(message));
      return true;
    },
    close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (pollTimer) clearTimeout(pollTimer);
      ws?.close(1000, 'signed out');
      opts.onState('closed');
    },
  };
}
