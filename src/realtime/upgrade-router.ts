import type http from 'node:http';
import type { Duplex } from 'node:stream';

export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * One `upgrade` listener per server, dispatching by path: the agent hub, Twilio Media
 * Streams and the supervisor socket each own one path; anything else is refused at once.
 */
export function routeUpgrades(server: http.Server, routes: ReadonlyMap<string, UpgradeHandler>): void {
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    const handler = routes.get(pathname);
    if (!handler) {
      socket.write('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    handler(req, socket, head);
  });
}
