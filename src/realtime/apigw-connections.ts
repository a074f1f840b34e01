import type { Db } from '../db/client.js';

/** A softphone connected through API Gateway's WebSocket API. */
export interface AgentConnection {
  connectionId: string;
  agentId: string;
  /** The Management API endpoint that reaches it: https://{domain}/{stage}. */
  endpoint: string;
}

export interface AgentConnectionStore {
  /** On $connect; a repeated $connect of the same id keeps one row. */
  add(c: AgentConnection, now: Date): Promise<void>;
  /** On $disconnect, or when API Gateway says the connection is gone (410). Removing twice is harmless. */
  remove(connectionId: string): Promise<void>;
  get(connectionId: string): Promise<AgentConnection | undefined>;
  forAgent(agentId: string): Promise<AgentConnection[]>;
}

/** The only writer of `AgentConnection`. */
export function createAgentConnectionStore(db: Db): AgentConnectionStore {
  const select = { connectionId: true, agentId: true, endpoint: true } as const;
  return {
    async add(c, now) {
      await db.agentConnection.upsert({
        where: { connectionId: c.connectionId },
        create: { ...c, connectedAt: now },
        update: { agentId: c.agentId, endpoint: c.endpoint, connectedAt: now },
      });
    },
    async remove(connectionId) {
      await db.agentConnection.deleteMany({ where: { connectionId } });
    },
    async get(connectionId) {
      return (await db.agentConnection.findUnique({ where: { connectionId }, select })) ?? undefined;
    },
    forAgent: (agentId) => db.agentConnection.findMany({ where: { agentId }, select, orderBy: { connectedAt: 'asc' } }),
  };
}
