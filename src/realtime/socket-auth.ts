import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Principal, TRole, TokenVerifier } from '../auth/tokens.js';
import { AppError } from '../errors.js';

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

/**
 * The upgrade's bearer token, verified and of one of `roles`; otherwise the upgrade is refused
 * (401 without a valid token, 403 with `forbidden` for another role) and undefined returned.
 */
export function admitUpgrade(req: http.IncomingMessage, socket: Duplex, tokens: TokenVerifier, roles: readonly TRole[], forbidden: string): Principal | undefined {
  const token = socketToken(req);
  if (!token) return void refuseUpgrade(socket, 401, 'missing token');
  let principal: Principal;
  try {
    principal = tokens.verify(token);
  } catch (err) {
    return void refuseUpgrade(socket, 401, err instanceof AppError ? err.message : 'invalid token');
  }
  if (!roles.includes(principal.role)) return void refuseUpgrade(socket, 403, forbidden);
  return principal;
}
