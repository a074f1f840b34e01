import { z } from 'zod';

const ZCallSid = z.string().regex(/^CA[0-9a-f]{32}$/i, 'must be a Twilio call SID (CA + 32 hex)');
// Twilio sends "anonymous", "client:name" or "sip:…" as From too: keep it as text, bounded.
const ZAddress = z.string().max(256);

export const ZVoiceWebhook = z.object({
  CallSid: ZCallSid,
  From: ZAddress.default(''),
  To: ZAddress.optional(),
});

export const ZGatherWebhook = z.object({
  CallSid: ZCallSid,
  From: ZAddress.optional(),
  To: ZAddress.optional(),
  Digits: z.string().regex(/^[0-9*#]{0,64}$/, 'must be keypad digits').optional(),
  SpeechResult: z.string().max(2000).optional(),
  Confidence: z.coerce.number().min(0).max(1).optional(),
});

export const ZGatherQuery = z.object({ seq: z.coerce.number().int().min(1).max(1000) });

export const ZStatusWebhook = z.object({
  CallSid: ZCallSid,
  // 'initiated' is what Twilio reports for the "initiated" StatusCallbackEvent of a call we place.
  CallStatus: z.enum(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']),
  CallDuration: z.coerce.number().int().min(0).max(7 * 24 * 3600).optional(),
  // Kept with an end that arrives before the call's start.
  From: ZAddress.optional(),
  To: ZAddress.optional(),
});

/** A callback's outbound leg reports to the status URL with the id of the call it calls back. */
export const ZStatusQuery = z.object({ callbackFor: z.uuid().optional() });

export const ZQueueWaitWebhook = z.object({
  CallSid: ZCallSid,
  QueuePosition: z.coerce.number().int().min(0).optional(),
  QueueTime: z.coerce.number().int().min(0).optional(),
});

export const ZCallbackWebhook = z.object({
  CallSid: ZCallSid,
  Digits: z.string().regex(/^[0-9*#]{0,4}$/, 'must be keypad digits').optional(),
});

/** `<Dial action>` when the agent's leg ends: how that leg ended, and whether the caller is still there. */
export const ZAgentLegWebhook = z.object({
  CallSid: ZCallSid,
  CallStatus: z.string().max(32).optional(),
  DialCallStatus: z.enum(['completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled']).optional(),
  DialCallDuration: z.coerce.number().int().min(0).max(7 * 24 * 3600).optional(),
});

/** A survey question's answer: the step number comes from our own action URL. */
/** The agent's leg the <Dial action> reports on (absent on dials made before legs were named). */
export const ZAgentLegQuery = z.object({ leg: z.uuid().optional() });

export const ZSurveyQuery = z.object({ seq: z.coerce.number().int().min(1).max(100) });
