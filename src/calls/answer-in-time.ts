import { AppError } from '../errors.js';
import type { Action } from '../ivr/types.js';
import type { Logger } from '../logger.js';
import type { FallbackReason } from '../metrics/instruments.js';
import type { CallService } from './call-service.js';
import { fallbackActions } from './fallback.js';
import type { IvrAnswer, Provider } from './types.js';

/** What a provider adapter renders: the IVR's answer, or the fallback when our side failed or was late. */
export type TimelyAnswer = { kind: 'ivr'; answer: IvrAnswer } | { kind: 'fallback'; reason: FallbackReason; actions: Action[] };

/**
 * Runs one IVR step for a provider's webhook and answers within `budgetMs` whatever the
 * stores do. Late or failed, the caller gets the fallback (an apology, the general queue),
 * which is kept durably so they are offered to an agent once the store is back, and the
 * step's own work is aborted so that a step the caller never heard is not applied late.
 * A 4xx from the domain (an unknown call, a step ahead of the call) is the provider's
 * mistake, not an outage: it is thrown for the adapter to answer as such.
 */
export async function answerInTime(
  deps: { calls: Pick<CallService, 'fellBack'>; logger: Logger; budgetMs: number; countFallback?: (reason: FallbackReason) => void },
  call: { provider: Provider; providerCallId: string; from: string; to: string | null; seq: number },
  work: (signal: AbortSignal) => Promise<IvrAnswer>,
): Promise<TimelyAnswer> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deps.budgetMs);
  });
  const fallBack = (reason: FallbackReason): TimelyAnswer => {
    deps.countFallback?.(reason);
    void deps.calls.fellBack({ provider: call.provider, providerCallId: call.providerCallId, from: call.from, to: call.to, seq: call.seq });
    return { kind: 'fallback', reason, actions: fallbackActions() };
  };
  const pending = work(controller.signal);
  try {
    const result = await Promise.race([pending, late]);
    if (result !== 'late') return { kind: 'ivr', answer: result };
    controller.abort();
    deps.logger.error({ providerCallId: call.providerCallId, budgetMs: deps.budgetMs }, 'ivr answer over budget: caller sent to the general queue');
    pending.catch((err: unknown) => {
      if ((err as Error)?.name !== 'AbortError') deps.logger.error({ err, providerCallId: call.providerCallId }, 'late ivr step failed');
    });
    return fallBack('over_budget');
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw err;
    deps.logger.error({ err, providerCallId: call.providerCallId }, 'ivr step failed: caller sent to the general queue');
    return fallBack('error');
  } finally {
    clearTimeout(timer);
  }
}
