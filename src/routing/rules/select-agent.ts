/**
 * Chooses one agent for a call from a presence snapshot.
 */

/** Agent presence states as the routing layer sees them. */
export type AgentState = 'offline' | 'available' | 'reserved' | 'busy' | 'wrap_up' | 'away';

/** Point-in-time view of one agent. */
export interface AgentSnapshot {
  id: string;
  state: AgentState;
  skills: Record<string, number>;
  languages: string[];
  activeCount: number;
  maxConcurrency: number;
  /** When the agent last became idle (ms since epoch); smaller = waited longer. */
  idleSince: number;
}

/** What the call needs from an agent. */
export interface AgentRequest {
  /** Minimum level per skill; `{}` means any agent. */
  skills: Record<string, number>;
  language?: string;
  /** E.g. the customer's last agent; wins whenever eligible. */
  preferAgentId?: string;
  excludeAgentIds?: Set<string>;
}

/**
 * Pick the preferred agent if eligible, otherwise the longest-idle eligible agent
 * (ties broken by id so results are deterministic). One pass, no sorting, no
 * per-agent allocation: this runs for every queued call against every agent.
 */
export function selectAgent(agents: ReadonlyArray<AgentSnapshot>, req: AgentRequest): AgentSnapshot | undefined {
  // Flatten requirements once instead of iterating the object per agent.
  const skillNames = Object.keys(req.skills);
  const skillLevels = skillNames.map((s) => req.skills[s]!);
  const language = req.language;
  const exclude = req.excludeAgentIds;
  const preferId = req.preferAgentId;

  let best: AgentSnapshot | undefined;
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    if (a.state !== 'available' || a.activeCount >= a.maxConcurrency) continue;
    if (exclude !== undefined && exclude.has(a.id)) continue;
    if (language !== undefined && !a.languages.includes(language)) continue;
    let skilled = true;
    for (let k = 0; k < skillNames.length; k++) {
      if (levelOf(a.skills, skillNames[k]!) < skillLevels[k]!) {
        skilled = false;
        break;
      }
    }
    if (!skilled) continue;
    if (preferId !== undefined && a.id === preferId) return a;
    if (best === undefined || a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.id < best.id)) {
      best = a;
    }
  }
  return best;
}

/**
 * Why `agent` cannot take a call with `req`, or undefined if it can. Applies the
 * same rules as {@link selectAgent} (checked in the same order), worded for the
 * simulator: "state busy", "at capacity 2/2", "excluded", "does not speak ar",
 * "missing skill billing>=3".
 */
export function explainIneligible(agent: AgentSnapshot, req: AgentRequest): string | undefined {
  if (agent.state !== 'available') return `state ${agent.state}`;
  if (agent.activeCount >= agent.maxConcurrency) return `at capacity ${agent.activeCount}/${agent.maxConcurrency}`;
  if (req.excludeAgentIds?.has(agent.id)) return 'excluded';
  if (req.language !== undefined && !agent.languages.includes(req.language)) return `does not speak ${req.language}`;
  for (const [skill, level] of Object.entries(req.skills)) {
    const has = levelOf(agent.skills, skill);
    if (has < level) return `missing skill ${skill}>=${level}${has > 0 ? ` (has ${has})` : ''}`;
  }
  return undefined;
}

// Skill names like "constructor" would otherwise read Object.prototype members.
function levelOf(skills: Record<string, number>, skill: string): number {
  const level = skills[skill];
  return typeof level === 'number' ? level : 0;
}
