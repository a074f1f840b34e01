import type { Logger } from '../logger.js';
import type { AgentStateStore } from './agent-state-store.js';

export interface RoutingTick {
  /** Timeouts, wrap-ups, reconciliation when due, then a dispatch. */
  tick(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Routing's clock: what happens because time passed (offers unanswered, wrap-ups over), every `tickMs`. */
export function createRoutingTick(deps: {
  agentState: Pick<AgentStateStore, 'finishWrapUps'>;
  logger: Logger;
  now: () => Date;
  tickMs: number;
  /** How often the tick also reconciles calls and agents. */
  reconcileMs: number;
  timeOutOffers: (now: Date) => Promise<boolean>;
  reconcile: () => Promise<{ freedAgents: unknown[] }>;
  dispatch: (opts?: { agentsChanged?: boolean }) => Promise<void>;
  /** An agent whose wrap-up ran out (their softphone is told). */
  onAgentMoved?: (agentId: string) => Promise<void>;
}): RoutingTick {
  let reconciledAt = 0;
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    const now = deps.now();
    const expiredAny = await deps.timeOutOffers(now);
    const backFromWrapUp = await deps.agentState.finishWrapUps(now);
    for (const agentId of backFromWrapUp) await deps.onAgentMoved?.(agentId);
    let freed = 0;
    if (now.getTime() - reconciledAt >= deps.reconcileMs) {
      reconciledAt = now.getTime();
      freed = (await deps.reconcile()).freedAgents.length;
    }
    await deps.dispatch({ agentsChanged: expiredAny || backFromWrapUp.length > 0 || freed > 0 });
  }

  return {
    tick,
    start() {
      timer ??= setInterval(() => {
        tick().catch((err: unknown) => deps.logger.error({ err }, 'routing tick failed'));
      }, deps.tickMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
