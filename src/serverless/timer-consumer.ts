import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from '../logger.js';
import type { RoutingTimers } from '../routing/routing-timers.js';
import { ZTimerMessage } from './sqs-timers.js';

/** A wake-up this close to its deadline runs the tick now rather than waiting again. */
const EARLY_TOLERANCE_MS = 1000;

/**
 * The timer queue's consumer: due wake-ups run one routing tick for the whole batch (a tick
 * handles every deadline that has passed, so one is enough); wake-ups still in the future
 * (past SQS's 15-minute cap) are sent again for the rest; greetings greet. What fails is
 * reported per message so SQS retries only those; a message that is not ours is dropped.
 */
export async function consumeTimerMessages(
  deps: {
    tick: () => Promise<void>;
    timers: RoutingTimers;
    greet: (connectionId: string) => Promise<void>;
    now: () => Date;
    logger: Logger;
  },
  event: SQSEvent,
): Promise<SQSBatchResponse> {
  const failures: string[] = [];
  const due: string[] = [];
  for (const record of event.Records) {
    let json: unknown;
    try {
      json = JSON.parse(record.body);
    } catch {
      json = undefined;
    }
    const parsed = ZTimerMessage.safeParse(json);
    if (!parsed.success) {
      deps.logger.warn({ messageId: record.messageId }, 'timer queue: not a timer message, dropped');
      continue;
    }
    const m = parsed.data;
    try {
      if (m.kind === 'greet') await deps.greet(m.connectionId);
      else if (new Date(m.due).getTime() - deps.now().getTime() > EARLY_TOLERANCE_MS) await deps.timers.wakeAt(new Date(m.due), m.reason, m.ref);
      else due.push(record.messageId);
    } catch (err) {
      deps.logger.error({ err, kind: m.kind }, 'timer message failed: SQS retries it');
      failures.push(record.messageId);
    }
  }
  if (due.length > 0) {
    try {
      await deps.tick();
    } catch (err) {
      deps.logger.error({ err }, 'routing tick failed: SQS retries its wake-ups');
      failures.push(...due);
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
