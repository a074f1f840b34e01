import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from './app.js';

/** How long agent sockets get to answer our close frame before their connections are cut. */
const SOCKET_CLOSE_WAIT_MS = 5000;
/** How often connections that finished their last request are closed while the listener drains. */
const IDLE_SWEEP_MS = 200;

export interface RunningServer {
  server: http.Server;
  url: string;
  /** Closes everything at once (tests, scripts). */
  close(): Promise<void>;
  /**
   * The drain after SIGTERM. Readiness answers 503 at once while the listener keeps serving
   * for `graceMs`, long enough for a load balancer's health check to take this node out of
   * rotation (closing the listener first would show it refused connections, not the 503).
   * Then the listener stops accepting, agent sockets are told to reconnect elsewhere (close
   * 1012), and the promise resolves once every request in flight has been answered.
   */
  drain(graceMs: number): Promise<void>;
}

/** The HTTP server with the agent WebSocket hub on the same port; what server.ts and the browser tests run. */
export async function startHttpServer(app: App, port = 0): Promise<RunningServer> {
  const server = http.createServer(app.app);
  // Longer than a typical load balancer's idle timeout, so it never closes a connection first.
  server.keepAliveTimeout = 65_000;
  app.attachRealtime(server);
  // Upgraded connections are no longer the HTTP server's to close, yet server.close() waits
  // for them: kept here so a socket that never answers our close frame cannot hold the exit.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (_req: http.IncomingMessage, socket: Socket) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, resolve));
  const { port: bound } = server.address() as AddressInfo;

  let draining: Promise<void> | undefined;
  async function drain(graceMs: number): Promise<void> {
    app.drain();
    await sleep(graceMs);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection that finished its request would otherwise stay open until
    // keepAliveTimeout; the ones still answering are closed as soon as they are done.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const patience = new AbortController();
    try {
      const gone = await Promise.race([
        app.closeSockets().then(() => true),
        sleep(SOCKET_CLOSE_WAIT_MS, false, { signal: patience.signal }),
      ]);
      if (!gone) for (const socket of upgraded) socket.destroy();
      await closed;
    } finally {
      patience.abort();
      clearInterval(sweep);
    }
  }

  return {
    server,
    url: `http://127.0.0.1:${bound}`,
    close: async () => {
      await app.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    drain: (graceMs) => (draining ??= drain(graceMs)),
  };
}
