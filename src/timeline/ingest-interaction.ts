import type { CustomerRepo } from '../crm/customer-repo.js';
import { normalizePhone } from '../crm/phone.js';
import { AppError } from '../errors.js';
import type { EventBus } from '../realtime/event-bus.js';
import { scoreText } from '../sentiment/index.js';
import { INTERACTION_RECORDED_CHANNEL, type InteractionRecorded } from './interaction-events.js';
import type { InteractionRepo, StoredInteraction } from './interaction-repo.js';
import type { TInteractionInput } from './schemas.js';

/**
 * Adds a message, visit or call from another channel to a customer's timeline. The same
 * idempotency key twice stores one entry; reusing a key for different content is a
 * conflict rather than a silent overwrite. A new entry is announced on the bus (the
 * supervisors' negative-sentiment alert listens); a repeat is not.
 */
export async function ingestInteraction(opts: {
  input: TInteractionInput;
  customers: CustomerRepo;
  interactions: InteractionRepo;
  bus?: Pick<EventBus, 'publish'>;
}): Promise<{ item: StoredInteraction; created: boolean }> {
  const { input } = opts;
  let customerId: string | null = null;
  let phoneE164: string | null = null;
  if (input.customerId !== undefined) {
    const customer = await opts.customers.get(input.customerId);
    if (!customer) throw new AppError('UNPROCESSABLE', `customerId: no customer '${input.customerId}'`);
    customerId = customer.id;
  } else if (input.phone !== undefined) {
    phoneE164 = normalizePhone(input.phone) ?? null;
    if (!phoneE164) throw new AppError('BAD_REQUEST', 'phone: not a valid phone number');
    customerId = (await opts.customers.findByPhone(phoneE164))?.id ?? null;
  }
  const at = new Date(input.at);
  // The customer's own words when we have them; the summary is a staff member's.
  const sentiment = scoreText(input.text ?? input.summary);
  const result = await opts.interactions.record({
    idempotencyKey: `api:${input.idempotencyKey}`,
    customerId,
    phoneE164,
    channel: input.channel,
    type: input.type,
    status: input.status ?? null,
    at,
    summary: input.summary,
    text: input.text ?? null,
    sentiment,
  });
  const same =
    result.item.channel === input.channel && result.item.type === input.type && result.item.summary === input.summary && result.item.at === at.toISOString();
  if (!result.created && !same) {
    throw new AppError('CONFLICT', 'idempotencyKey: already used for a different interaction');
  }
  if (result.created && opts.bus) {
    const event: InteractionRecorded = {
      interactionId: result.item.id,
      customerId: result.item.customerId,
      channel: result.item.channel,
      type: result.item.type,
      at: result.item.at,
      sentiment: { label: sentiment.label, score: sentiment.score },
    };
    await opts.bus.publish(INTERACTION_RECORDED_CHANNEL, event);
  }
  return result;
}
