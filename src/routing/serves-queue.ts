/** An agent with no queue list serves every queue. */
export function servesQueue(agent: { queues: string[] }, queue: string): boolean {
  return agent.queues.length === 0 || agent.queues.includes(queue);
}
