import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app.js';

/** The HTTP server with the agent WebSocket hub on the same port; what server.ts and the browser tests run. */
export async function startHttpServer(app: App, port = 0): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const server = http.createServer(app.app);
  // Longer than a typical load balancer's idle timeout, so it never closes a connection first.
  server.keepAliveTimeout = 65_000;
  app.attachRealtime(server);
  await new Promise<void>((resolve) => server.listen(port, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${bound}`,
    close: async () => {
      await app.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
