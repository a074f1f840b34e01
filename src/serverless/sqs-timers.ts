import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { RoutingTimers } from '../routing/routing-timers.js';

/** SQS's longest delay; a later deadline is re-sent with what is left when this one arrives. */
export const MAX_DELAY_SECONDS = 900;

/** What the timer queue carries (the routing-timers function consumes it: timer-consumer.ts). */
export const ZTimerMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wake'), reason: z.enum(['offer_timeout', 'escalation', 'wrap_up']), ref: z.string().min(1).max(200), due: z.iso.datetime() }),
  z.object({ kind: z.literal('greet'), connectionId: z.string().min(1).max(200) }),
]);
export type TimerMessage = z.infer<typeof ZTimerMessage>;

export interface SqsTimers extends RoutingTimers {
  /** The softphone's greeting, as soon as $connect has answered (delay 0). */
  greetLater(connectionId: string): Promise<void>;
}

/**
 * Routing's deadlines as SQS delay messages: Lambda keeps no timer between invocations,
 * so each deadline is a message that becomes visible when it is due and runs a routing tick.
 * Rounded up to the second: a tick a little late is harmless, one early finds nothing due.
 */
export function createSqsTimers(deps: { sqs: Pick<SQSClient, 'send'>; queueUrl: string; now: () => Date }): SqsTimers {
  const send = async (message: TimerMessage, delaySeconds: number) => {
    await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }));
  };
  return {
    async wakeAt(due, reason, ref) {
      const delay = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((due.getTime() - deps.now().getTime()) / 1000)));
      await send({ kind: 'wake', reason, ref, due: due.toISOString() }, delay);
    },
    greetLater: (connectionId) => send({ kind: 'greet', connectionId }, 0),
  };
}
