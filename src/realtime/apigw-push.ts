import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { Logger } from '../logger.js';
import type { AgentPush } from './agent-push.js';
import type { AgentConnection, AgentConnectionStore } from './apigw-connections.js';

export interface ApiGatewayPush extends AgentPush {
  /** One message to one connection; false when API Gateway says it is gone (and it is forgotten). */
  post(connection: Pick<AgentConnection, 'connectionId' | 'endpoint'>, message: Record<string, unknown>): Promise<boolean>;
}

/**
 * Messages to softphones connected through API Gateway's WebSocket API: PostToConnection to
 * every connection of the agent. A connection API Gateway no longer knows (GoneException,
 * 410: the laptop slept, the page closed without a $disconnect) is dropped from the table.
 * Any other failure is logged and the rest still get it: every durable message is in the
 * database, so the softphone's `resume` replays what a failed post missed.
 */
export function createApiGatewayPush(deps: {
  connections: Pick<AgentConnectionStore, 'forAgent' | 'remove'>;
  logger: Logger;
  /** One client per endpoint, kept for the container's life (tests give a mocked one). */
  clientFor?: (endpoint: string) => ApiGatewayManagementApiClient;
}): ApiGatewayPush {
  const clients = new Map<string, ApiGatewayManagementApiClient>();
  const clientFor =
    deps.clientFor ??
    ((endpoint: string) => {
      let client = clients.get(endpoint);
      if (!client) clients.set(endpoint, (client = new ApiGatewayManagementApiClient({ endpoint })));
      return client;
    });

  async function post(connection: Pick<AgentConnection, 'connectionId' | 'endpoint'>, message: Record<string, unknown>): Promise<boolean> {
    try {
      await clientFor(connection.endpoint).send(new PostToConnectionCommand({ ConnectionId: connection.connectionId, Data: Buffer.from(JSON.stringify(message)) }));
      return true;
    } catch (err) {
      if ((err as { name?: string }).name === 'GoneException') {
        await deps.connections.remove(connection.connectionId);
        return false;
      }
      throw err;
    }
  }

  return {
    post,
    async deliver(agentId, message) {
      const connections = await deps.connections.forAgent(agentId);
      await Promise.all(
        connections.map((c) =>
          post(c, message).catch((err: unknown) => deps.logger.warn({ err, agentId, type: message.type }, 'PostToConnection failed: the softphone resumes from the database')),
        ),
      );
    },
  };
}
