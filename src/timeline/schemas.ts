import { z } from 'zod';

export const CHANNELS = ['voice', 'chat', 'email', 'whatsapp', 'sms', 'social', 'branch'] as const;
export const ZChannel = z.enum(CHANNELS);
export type TChannel = z.infer<typeof ZChannel>;

const MIN_AT = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_AT = Date.parse('9999-12-31T23:59:59.999Z');

export const ZInteractionInput = z
  .object({
    customerId: z.string().min(1).max(64).optional(),
    phone: z.string().min(3).max(64).optional(),
    channel: ZChannel,
    type: z.string().trim().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lower-case word such as message, complaint, visit'),
    status: z.enum(['open', 'resolved']).optional(),
    // The offset can push an edge date out of the years the database stores (0001-9999 UTC).
    at: z.iso.datetime({ offset: true }).refine((v) => {
      const ms = Date.parse(v);
      return ms >= MIN_AT && ms <= MAX_AT;
    }, 'must be between 0001-01-01 and 9999-12-31 UTC'),
    summary: z.string().trim().min(1).max(500),
    text: z.string().max(20_000).optional(),
    idempotencyKey: z.string().min(1).max(200),
  })
  .refine((v) => v.customerId !== undefined || v.phone !== undefined, {
    message: 'customerId or phone is required',
    path: ['customerId'],
  });
export type TInteractionInput = z.infer<typeof ZInteractionInput>;

export const ZTimelineQuery = z.object({
  cursor: z.string().max(200).optional(),
  channel: ZChannel.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type TTimelineQuery = z.infer<typeof ZTimelineQuery>;

export interface CallDetails {
  provider: string;
  /** Twilio's CallSid or Connect's ContactId: how a supervisor finds the provider's recording. */
  providerCallId: string;
  status: string;
  language: string;
  queue: string | null;
  intent: string | null;
  path: string[];
  durationSeconds: number | null;
  endStatus: string | null;
  steps: Array<{ seq: number; nodeId: string; input: string | null; result: string; at: string }>;
  /** Set when the reader (an agent who never handled this call) is not shown what the caller keyed or said. */
  inputsHidden?: boolean;
  events: Array<{ type: string; at: string; agentId?: string; reservationId?: string }>;
}

export interface TimelineItem {
  id: string;
  channel: TChannel;
  type: string;
  status: string | null;
  at: string;
  summary: string;
  sentiment: string | null;
  callId?: string;
  providerCallId?: string;
  call?: CallDetails;
}

/** What a new timeline entry carries, once its customer or number is resolved. */
export interface NewInteraction {
  idempotencyKey: string;
  customerId: string | null;
  phoneE164: string | null;
  channel: TChannel;
  type: string;
  status?: string | null;
  at: Date;
  summary: string;
  text?: string | null;
  callId?: string | null;
  sentiment?: { label: string; score: number } | null;
}
