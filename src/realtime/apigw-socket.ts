import type { Principal, TokenVerifier } from '../auth/tokens.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AgentRepo } from '../routing/agent-repo.js';
import type { AgentMessageStore } from './agent-messages.js';
import type { AgentConnectionStore } from './apigw-connections.js';
import type { ApiGatewayPush } from './apigw-push.js';
import { runClientFrame, type ClientActionDeps } from './client-actions.js';

/** The part of API Gateway's WebSocket event we read ($connect carries headers and the query string). */
export interface WebSocketApiEvent {
  requestContext: { routeKey: string; connectionId: string; domainName: string; stage: string; eventType?: string };
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface WebSocketApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface ApiGatewaySocket {
  /** $connect, $disconnect and $default of the agent WebSocket API. */
  handle(event: WebSocketApiEvent): Promise<WebSocketApiResult>;
  /**
   * The hub's greeting (hello, then the open pops): API Gateway accepts posts to a connection
   * only once $connect has answered, so the platform runs this just after (sqs-timers greet).
   */
  greet(connectionId: string): Promise<void>;
}

function header(event: WebSocketApiEvent, name: string): string | undefined {
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** The same rule as the ws hub: "bearer, <jwt>" in Sec-WebSocket-Protocol (browsers cannot set headers), else ?token=. */
function tokenOf(event: WebSocketApiEvent): { token?: string; viaProtocol: boolean } {
  const protocols = (header(event, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
  const i = protocols.indexOf('bearer');
  if (i >= 0 && protocols[i + 1]) return { token: protocols[i + 1], viaProtocol: true };
  return { token: event.queryStringParameters?.token || undefined, viaProtocol: false };
}

const refuse = (statusCode: 401 | 403, message: string): WebSocketApiResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ error: { code: statusCode === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message } }),
});

/**
 * Agents' softphones through API Gateway's WebSocket API (Lambda): the same admission and the
 * same messages as the ws hub of server.ts (agent-hub.ts), with the connection in the
 * database instead of a process's memory and answers sent with PostToConnection.
 */
export function createApiGatewaySocket(deps: {
  tokens: TokenVerifier;
  agents: Pick<AgentRepo, 'softphoneProfile'>;
  messages: Pick<AgentMessageStore, 'openPops'>;
  actions: ClientActionDeps;
  connections: Pick<AgentConnectionStore, 'add' | 'remove' | 'get'>;
  push: Pick<ApiGatewayPush, 'post'>;
  /** Asks the platform to greet the connection once $connect has answered (absent: no greeting; the softphone's resume still works). */
  greetLater?: (connectionId: string) => Promise<void>;
  /** The Management API endpoint; by default https://{domainName}/{stage} of the event (serverless-offline: http://localhost:3001). */
  endpoint?: string;
  logger: Logger;
  now: () => Date;
}): ApiGatewaySocket {
  const endpointOf = (event: WebSocketApiEvent) => deps.endpoint ?? `https://${event.requestContext.domainName}/${event.requestContext.stage}`;

  async function connect(event: WebSocketApiEvent): Promise<WebSocketApiResult> {
    const { token, viaProtocol } = tokenOf(event);
    if (!token) return refuse(401, 'missing token');
    let principal: Principal;
    try {
      principal = deps.tokens.verify(token);
    } catch (err) {
      return refuse(401, err instanceof AppError ? err.message : 'invalid token');
    }
    if (principal.role !== 'agent') return refuse(403, 'only agents have a softphone');
    const agent = await deps.agents.softphoneProfile(principal.sub).catch(() => undefined);
    if (!agent) return refuse(403, `no agent '${principal.sub}'`);
    const connectionId = event.requestContext.connectionId;
    await deps.connections.add({ connectionId, agentId: agent.id, endpoint: endpointOf(event) }, deps.now());
    await deps.greetLater?.(connectionId).catch((err: unknown) => deps.logger.warn({ err, agentId: agent.id }, 'greeting not scheduled: the softphone resumes on its own'));
    // A browser drops a connection whose answer does not name one of the subprotocols it offered.
    return { statusCode: 200, ...(viaProtocol ? { headers: { 'Sec-WebSocket-Protocol': 'bearer' } } : {}) };
  }

  async function message(event: WebSocketApiEvent): Promise<WebSocketApiResult> {
    const connection = await deps.connections.get(event.requestContext.connectionId);
    if (!connection) {
      // Forgotten after a failed post (410) or never admitted: the softphone reconnects.
      await deps.push.post({ connectionId: event.requestContext.connectionId, endpoint: endpointOf(event) }, { type: 'error', code: 'UNAUTHORIZED', message: 'unknown connection: reconnect' }).catch(() => false);
      return { statusCode: 200 };
    }
    const text = event.isBase64Encoded ? undefined : (event.body ?? '');
    await runClientFrame(deps.actions, connection.agentId, text, async (m) => {
      await deps.push.post(connection, m);
    });
    return { statusCode: 200 };
  }

  return {
    async handle(event) {
      switch (event.requestContext.routeKey) {
        case '$connect':
          return connect(event);
        case '$disconnect':
          await deps.connections.remove(event.requestContext.connectionId);
          return { statusCode: 200 };
        default:
          return message(event);
      }
    },

    async greet(connectionId) {
      const connection = await deps.connections.get(connectionId);
      if (!connection) return;
      const agent = await deps.agents.softphoneProfile(connection.agentId);
      if (!agent) return;
      const { lastSeq, ...profile } = agent;
      if (!(await deps.push.post(connection, { type: 'hello', agent: profile, lastSeq, serverTime: deps.now().toISOString() }))) return;
      for (const pop of await deps.messages.openPops(agent.id)) await deps.push.post(connection, { ...pop, pending: true });
    },
  };
}
