import type http from 'node:http';
import type { Duplex } from 'node:stream';

/** The token rides in Sec-WebSocket-Protocol ("bearer, <jwt>") because browsers cannot set headers on a WebSocket; `?token=` otherwise. */
export function socketToken(req: http.IncomingMessage): string | undefined {
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const i = protocols.indexOf('bearer');
  if (i >= 0 && protocols[i + 1]) return protocols[i + 1];
  return new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
}

/** Answers an upgrade with a JSON error, the API's shape, and closes the connection. */
export function refuseUpgrade(socket: Duplex, status: 401 | 403, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message } });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
