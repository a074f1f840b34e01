import { z } from 'zod';
import { AppError } from '../../src/errors.js';

/** Text from Connect: bounded, never a NUL byte (Postgres refuses them, and no flow sends one). */
const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL bytes');

/** Connect's contact ids are UUIDs; anything else is not a contact of ours. */
const ZContactId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a Connect contact id (a UUID)');
const ZArn = text(512).regex(/^arn:aws[a-z-]*:connect:/, 'must be an Amazon Connect ARN');
const ZEndpoint = z.object({ Address: text(64).optional(), Type: text(40).optional() }).nullable().optional();
// A contact's times are recent: one in a year no store holds (year 0 in UTC) would fail as a store failure, redelivered for ever.
const ZTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp' }).refine((v) => {
  const ms = Date.parse(v);
  return ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(9999, 0, 1);
}, 'must be between 1970 and 9998');

export const FLOW_ACTIONS = ['lookup', 'route', 'verify', 'pin', 'log'] as const;

/**
 * What Connect's "Invoke AWS Lambda function" block sends (AWS's documented ContactFlowEvent).
 * Fields AWS adds later are ignored; the ones we use are checked. Our inputs come as the
 * block's parameters: `action`, and per action `queue`/`intent`/`callback` (route), `pin`/`attempt`
 * (pin), `summary`/`type` (log), `consent`/`consentTextVersion` (verify, once the caller answered the consent question).
 */
export const ZContactFlowEvent = z.object({
  Name: z.literal('ContactFlowEvent', { message: 'must be "ContactFlowEvent"' }),
  Details: z.object({
    ContactData: z.object({
      ContactId: ZContactId,
      InitialContactId: ZContactId.optional(),
      Channel: z.literal('VOICE', { message: 'only VOICE contacts are handled' }),
      CustomerEndpoint: ZEndpoint,
      SystemEndpoint: ZEndpoint,
      Attributes: z.record(text(128), text(32_767)).nullable().optional(),
      Queue: z.object({ ARN: text(512).optional(), Name: text(256).optional() }).nullable().optional(),
      MediaStreams: z
        .object({
          Customer: z
            .object({
              Audio: z
                .object({
                  StreamARN: text(1024).regex(/^arn:aws[a-z-]*:kinesisvideo:/, 'must be a Kinesis Video Streams ARN').optional(),
                  StartFragmentNumber: z.string().regex(/^\d{1,64}$/, 'must be a fragment number').optional(),
                })
                .nullable()
                .optional(),
            })
            .optional(),
        })
        .optional(),
    }),
    Parameters: z
      .object({
        action: z.enum(FLOW_ACTIONS, { message: `must be one of ${FLOW_ACTIONS.join(', ')}` }),
        queue: text(64).regex(/^[a-z0-9_-]*$/, 'must be a lower-case queue name').optional(),
        intent: text(64).optional(),
        // As the domain reads it (Arabic-Indic digits too), here so that a wrong length writes nothing.
        pin: text(32).regex(/^[0-9\u0660-\u0669\u06f0-\u06f9]{4,12}$/, 'must be 4 to 12 digits').optional(),
        attempt: z.string().regex(/^[1-9]$/, 'must be a try number from 1 to 9').optional(),
        summary: text(500).optional(),
        type: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lower-case word such as ivr_note').optional(),
        callback: z.literal('accept', { message: 'must be "accept"' }).optional(),
        consent: z.enum(['granted', 'declined'], { message: 'must be "granted" or "declined"' }).optional(),
        consentTextVersion: z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be the consent prompt\'s version, such as vb-connect-1').optional(),
      })
      .superRefine((p, ctx) => {
        if (p.action === 'pin' && !p.pin) ctx.addIssue({ code: 'custom', path: ['pin'], message: 'required for the pin action' });
        if (p.action === 'log' && !p.summary?.trim()) ctx.addIssue({ code: 'custom', path: ['summary'], message: 'required for the log action' });
        if (p.callback && p.action !== 'route') ctx.addIssue({ code: 'custom', path: ['callback'], message: 'only for the route action' });
        if (p.consent && p.action !== 'verify') ctx.addIssue({ code: 'custom', path: ['consent'], message: 'only for the verify action' });
        // The register keeps which wording the caller heard: an answer without it proves nothing.
        if (p.consent && !p.consentTextVersion) ctx.addIssue({ code: 'custom', path: ['consentTextVersion'], message: 'required with consent' });
        if (p.consentTextVersion && !p.consent) ctx.addIssue({ code: 'custom', path: ['consent'], message: 'required with consentTextVersion' });
      }),
  }),
});
export type TContactFlowEvent = z.infer<typeof ZContactFlowEvent>;

// A week of after-contact work is past any real one: a bigger number is not a duration to count.
const MAX_ACW_SECONDS = 7 * 86_400;

/** An EventBridge contact event, with its detail's keys already in camelCase. */
export const ZContactEvent = z.object({
  source: z.literal('aws.connect', { message: 'must be "aws.connect"' }),
  'detail-type': z.literal('Amazon Connect Contact Event', { message: 'must be "Amazon Connect Contact Event"' }),
  time: ZTimestamp.optional(),
  detail: z.object({
    eventType: z.string().regex(/^[A-Z][A-Z_]{0,63}$/, 'must be an event type such as QUEUED'),
    contactId: ZContactId,
    initialContactId: ZContactId.optional(),
    channel: text(20).optional(),
    initiationTimestamp: ZTimestamp.optional(),
    disconnectTimestamp: ZTimestamp.optional(),
    queueInfo: z.object({ queueArn: ZArn.optional(), enqueueTimestamp: ZTimestamp.optional() }).nullable().optional(),
    agentInfo: z
      .object({
        agentArn: ZArn.optional(),
        connectedToAgentTimestamp: ZTimestamp.optional(),
        // After-contact work, on COMPLETED when the agent did any (absent when they skipped it).
        afterContactWorkStartTimestamp: ZTimestamp.optional(),
        afterContactWorkEndTimestamp: ZTimestamp.optional(),
        afterContactWorkDuration: z.number().int('must be whole seconds').min(0, 'must not be negative').max(MAX_ACW_SECONDS, `must be at most ${MAX_ACW_SECONDS} seconds`).optional(),
      })
      .nullable()
      .optional(),
    customerEndpoint: z.object({ address: text(64).optional() }).nullable().optional(),
  }),
});
export type TContactEvent = z.infer<typeof ZContactEvent>;

/**
 * Contact events name their keys in camelCase in AWS's data model and in PascalCase in some of
 * its samples and older producers (`AgentInfo.AgentArn`): one spelling before parsing.
 */
export function camelKeys(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => camelKeys(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = /^[A-Z][A-Za-z0-9]*$/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k;
    // A camelCase key wins over its PascalCase twin if an event carries both.
    if (!(key in out) || key === k) out[key] = camelKeys(v, depth + 1);
  }
  return out;
}

/** Parses or throws a 400-coded error naming the first bad field (Connect: the Error branch). */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.map(String).join('.') || what;
  throw new AppError('BAD_REQUEST', `${field}: ${issue.message}`);
}
