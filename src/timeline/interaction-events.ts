import type { SentimentLabel } from '../sentiment/index.js';

/**
 * On the bus: a new entry on a customer's timeline (never a repeat of an idempotency key).
 * Ids, channel and sentiment only: the text stays in the database.
 */
export const INTERACTION_RECORDED_CHANNEL = 'timeline.recorded';

export interface InteractionRecorded {
  interactionId: string;
  customerId: string | null;
  channel: string;
  type: string;
  at: string;
  sentiment: { label: SentimentLabel; score: number };
}
