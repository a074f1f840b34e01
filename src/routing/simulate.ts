import type { AgentRepo } from './agent-repo.js';
import type { AgentStateStore } from './agent-state-store.js';
import type { RuleStore } from './rule-store.js';
import { servesQueue } from './serves-queue.js';
import { withIvrQueue } from './ivr-queue.js';
import { compileRuleSet, decide, explainIneligible, fillContextDefaults, requirementsAt, selectAgent, validateRuleSet, type RoutingContextInput, type RuleSetError } from './rules/index.js';

export interface SimulationStep {
  afterSeconds: number;
  queue: string;
  priority: number;
  skills: Record<string, number>;
  offerCallback: boolean;
  agent: { id: string; name: string } | null;
  /** Why free agents were passed over (first few), so an empty result is explained. */
  passedOver: Array<{ agentId: string; reason: string }>;
}

export type SimulationResult =
  | { ok: true; version: number; rule: string; queue: string; priority: number; skipped: Array<{ rule: string; reason: string }>; agent: SimulationStep['agent']; steps: SimulationStep[] }
  | { ok: false; errors: RuleSetError[] };

/**
 * What would happen to this call now, and at each escalation step, against the live rules
 * or a draft that has not been published. Reads presence; changes nothing.
 */
export async function simulateRouting(
  deps: { rules: RuleStore; agentState: Pick<AgentStateStore, 'free'>; agents: Pick<AgentRepo, 'list'>; now: () => Date },
  input: { context: RoutingContextInput; draft?: unknown }): Promise<SimulationResult> {
  let compiled = await deps.rules.active();
  if (input.draft !== undefined) {
    const checked = validateRuleSet(input.draft, await deps.rules.knownNames());
    if (!checked.valid) return { ok: false, errors: checked.errors };
    compiled = compileRuleSet(checked.ruleSet, 0);
  }
  const ctx = fillContextDefaults(input.context);
  const decision = withIvrQueue(decide(compiled, ctx, deps.now()), ctx);
  const agents = await deps.agentState.free();
  const names = new Map((await deps.agents.list()).map((a) => [a.id, a.name]));
  const at = (afterSeconds: number): SimulationStep => {
    const req = requirementsAt(decision, afterSeconds);
    const request = { skills: req.skills, language: ctx.call.language || undefined, preferAgentId: decision.preferLastAgent?.agentId };
    const candidates = agents.filter((a) => servesQueue(a, req.queue));
    const chosen = selectAgent(candidates, request);
    const passedOver = agents
      .flatMap((a) => {
        const reason = candidates.includes(a) ? explainIneligible(a, request) : `does not serve queue ${req.queue}`;
        return reason ? [{ agentId: a.id, reason }] : [];
      })
      .slice(0, 10);
    return { afterSeconds, queue: req.queue, priority: req.priority, skills: req.skills, offerCallback: req.offerCallback, agent: chosen ? { id: chosen.id, name: names.get(chosen.id) ?? chosen.id } : null, passedOver };
  };
  const steps = [0, ...decision.steps.map((s) => s.afterSeconds)].map(at);
  return { ok: true, version: decision.version, rule: decision.rule, queue: decision.queue, priority: decision.priority, skipped: decision.skipped, agent: steps[0]!.agent, steps };
}
