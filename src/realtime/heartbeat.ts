import type { WebSocket } from 'ws';

/**
 * Pings every socket each `intervalMs`; one with no pong since the last ping (a laptop lid
 * closed, a dead NAT mapping) is terminated. `track` each socket as it opens.
 */
export function startHeartbeat(sockets: () => Iterable<WebSocket>, intervalMs = 30_000): { track(ws: WebSocket): void; stop(): void } {
  const alive = new WeakMap<WebSocket, boolean>();
  const timer = setInterval(() => {
    for (const ws of sockets()) {
      if (alive.get(ws) === false) ws.terminate();
      else {
        alive.set(ws, false);
        ws.ping();
      }
    }
  }, intervalMs);
  timer.unref();
  return {
    track(ws) {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
    },
    stop: () => clearInterval(timer),
  };
}
