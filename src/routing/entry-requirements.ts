import type { QueueEntryRecord, QueueStore } from './queue-store.js';
import type { RuleStore } from './rule-store.js';
import { decide, fillContextDefaults, requirementsAt, type Decision, type Requirements } from './rules/index.js';
import { withIvrQueue } from './ivr-queue.js';

/**
 * What a waiting call needs now: escalation steps relax its requirements as it waits.
 * Crossing into a new step re-decides on the live rules (when they changed since the call
 * was queued) and stores the step, with a fresh chance for agents who declined before.
 */
export async function currentRequirements(
  deps: { rules: RuleStore; queues: Pick<QueueStore, 'updateStep'> },
  entry: QueueEntryRecord,
  now: Date,
): Promise<{ entry: QueueEntryRecord; req: Requirements; decision: Decision }> {
  const waitSeconds = Math.max(0, Math.floor((now.getTime() - entry.enqueuedAt.getTime()) / 1000));
  let decision = entry.decision as Decision;
  let req = requirementsAt(decision, waitSeconds);
  if (req.stepIndex !== entry.stepIndex) {
    const active = await deps.rules.active();
    if (active.version !== entry.ruleVersion) {
      const ctx = fillContextDefaults(entry.context);
      ctx.call.waitSeconds = waitSeconds;
      decision = withIvrQueue(decide(active, ctx, now), ctx);
      req = requirementsAt(decision, waitSeconds);
    }
    await deps.queues.updateStep(entry.id, {
      queue: req.queue,
      priority: req.priority,
      stepIndex: req.stepIndex,
      decision,
      ruleVersion: decision.version,
      rule: decision.rule,
      // A new step is a fresh chance for agents who declined under the old requirements.
      excludedAgents: [],
    });
    entry = { ...entry, queue: req.queue, priority: req.priority, stepIndex: req.stepIndex, decision, excludedAgents: [] };
  }
  return { entry, req, decision };
}
