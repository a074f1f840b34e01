import { deliverToAgent } from './agent-hub.js';
import type { EventBus } from './event-bus.js';

/**
 * How a message reaches an agent's softphones, whoever holds the sockets: the `ws` hubs of
 * every node (over the bus), or API Gateway's WebSocket API (PostToConnection). The screen
 * pop pipeline only sees this.
 */
export interface AgentPush {
  deliver(agentId: string, message: Record<string, unknown>): Promise<void>;
}

/** Server mode: published on the bus; each node's hub sends it on the agent's sockets it holds. */
export function busPush(bus: EventBus): AgentPush {
  return { deliver: (agentId, message) => deliverToAgent(bus, agentId, message) };
}
