import type { Db } from '../db/client.js';
import type { AgentSnapshot, AgentState } from './rules/index.js';

/** An agent with no queue list serves every queue. */
export function servesQueue(agent: { queues: string[] }, queue: string): boolean {
  return agent.queues.length === 0 || agent.queues.includes(queue);
}

/** Free agents as routing sees them at this instant. */
export async function snapshotAgents(db: Db): Promise<Array<AgentSnapshot & { queues: string[] }>> {
  // Raw: thousands of rows, read whenever presence changes; Prisma's ORM path costs twice the CPU.
  const rows = await db.$queryRaw<Array<{ id: string; state: string; skills: unknown; languages: string[]; activeCount: number; maxConcurrency: number; idleSince: Date; queues: string[] }>>`
    SELECT "id", "state", "skills", "languages", "activeCount", "maxConcurrency", "idleSince", "queues" FROM "Agent" WHERE "state" = 'available'`;
  return rows.map((r) => ({
    id: r.id,
    state: r.state as AgentState,
    skills: r.skills as Record<string, number>,
    languages: r.languages,
    activeCount: r.activeCount,
    maxConcurrency: r.maxConcurrency,
    idleSince: r.idleSince.getTime(),
    queues: r.queues,
  }));
}
