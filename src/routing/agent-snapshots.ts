import type { Db } from '../db/client.js';
import type { AgentSnapshot, AgentState } from './rules/index.js';

/** Free agents as routing sees them at this instant. */
export async function snapshotAgents(db: Db): Promise<Array<AgentSnapshot & { queues: string[] }>> {
  const rows = await db.agent.findMany({
    where: { state: 'available' },
    select: { id: true, state: true, skills: true, languages: true, activeCount: true, maxConcurrency: true, idleSince: true, queues: true },
  });
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
