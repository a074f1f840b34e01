import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Principal, TokenVerifier } from '../auth/tokens.js';
import type { Logger } from '../logger.js';
import type { AlertPolicy } from '../supervisor/alerts.js';
import { supervisorHello } from '../supervisor/greeting.js';
import type { LiveView } from '../supervisor/live-view.js';
import { createFrameLimiter, type FrameLimits } from './frame-limiter.js';
import { startHeartbeat } from './heartbeat.js';
import { admitUpgrade } from './socket-auth.js';
import type { UpgradeHandler } from './upgrade-router.js';

export const SUPERVISOR_PATH = '/ws/supervisor';
/** Supervisors only ask for a refresh; anything bigger than this is closed (1009) before it is buffered. */
export const SUPERVISOR_MAX_FRAME_BYTES = 4 * 1024;
/** A socket that has not taken this much of what we sent is slow: numbers are skipped for it (the next push has them), alerts are not. */
const SLOW_SOCKET_BYTES = 1024 * 1024;

const ZSupervisorMessage = z.object({ type: z.literal('refresh') });

export interface SupervisorHub {
  handleUpgrade: UpgradeHandler;
  connectionCount(): number;
  close(): Promise<void>;
}

export interface SupervisorHubDeps {
  tokens: TokenVerifier;
  view: LiveView;
  /** Sent in the greeting, so the page can say what each alert means. */
  policy: AlertPolicy;
  /** The business time zone (TZ_BUSINESS): the page shows times on it, as the KPIs count days and hours. */
  timeZone: string;
  logger: Logger;
  now: () => Date;
  heartbeatMs?: number;
  frameLimits?: Partial<FrameLimits>;
}

/**
 * `GET /ws/supervisor` (supervisor, admin): the live numbers and alerts of the supervisor view
 * (src/supervisor/live-view.ts), pushed as they change. Same token rules, refusals and frame
 * safety as the agent hub.
 */
export function createSupervisorHub(deps: SupervisorHubDeps): SupervisorHub {
  const wss = new WebSocketServer({ noServer: true, maxPayload: SUPERVISOR_MAX_FRAME_BYTES, handleProtocols: (p) => (p.has('bearer') ? 'bearer' : false) });
  const sockets = new Set<WebSocket>();
  const limiter = createFrameLimiter(deps.frameLimits);
  let socketCount = 0;
  const send = (ws: WebSocket, message: object) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const heartbeat = startHeartbeat(() => sockets, deps.heartbeatMs);

  function onFrame(ws: WebSocket, text: string | undefined): void {
    let message: unknown;
    try {
      message = text === undefined ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const parsed = ZSupervisorMessage.safeParse(message);
    if (!parsed.success) {
      send(ws, { type: 'error', code: 'BAD_MESSAGE', message: text === undefined ? 'binary frames are not supported' : 'expected {"type":"refresh"}' });
      return;
    }
    deps.view.poke();
  }

  function onConnection(ws: WebSocket, principal: Principal): void {
    sockets.add(ws);
    heartbeat.track(ws);
    // ws has already closed the socket on a protocol violation (1007, 1009, 1002); without a
    // listener the 'error' event would be thrown and take the process with it.
    ws.on('error', (err: Error & { code?: string }) => deps.logger.warn({ code: err.code }, 'supervisor socket closed on a bad frame'));
    const socketKey = `supervisor#${++socketCount}`;
    let admitted: Promise<void> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      admitted = admitted
        .then(async () => {
          if (ws.readyState !== ws.OPEN) return;
          const verdict = await limiter.admit(socketKey, `supervisor:${principal.sub}`);
          if (verdict.kind === 'close') {
            ws.close(1008, 'too many messages');
            return;
          }
          if (verdict.kind === 'limited') {
            send(ws, { type: 'error', code: 'RATE_LIMITED', message: 'too many messages', retryAfterMs: verdict.retryAfterMs });
            return;
          }
          onFrame(ws, isBinary ? undefined : data.toString());
        })
        .catch((err: unknown) => deps.logger.error({ err }, 'supervisor frame failed'));
    });

    send(ws, supervisorHello(principal, { now: deps.now(), timeZone: deps.timeZone, policy: deps.policy }));
    // The alerts listed now (every node's), the numbers, then every push.
    const unsubscribe = deps.view.watch((m) => {
      if (m.type === 'stats' && ws.bufferedAmount > SLOW_SOCKET_BYTES) return;
      send(ws, m);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      unsubscribe();
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      const principal = admitUpgrade(req, socket, deps.tokens, ['supervisor', 'admin'], 'only supervisors and admins see the live view');
      if (!principal) return;
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, principal));
    },
    connectionCount: () => sockets.size,
    async close() {
      heartbeat.stop();
      for (const ws of sockets) ws.close(1012, 'service restart: reconnect');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
