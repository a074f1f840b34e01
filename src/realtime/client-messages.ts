import { z } from 'zod';
import { findUnstorableText } from '../storable-text.js';

/** Everything a softphone may send; anything else is answered with an error message. */
export const ZClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ack'), id: z.string().min(1).max(64) }),
  // Sequence numbers are 32-bit integers in the database: a larger lastSeq is no message's, and the query failed on it (INTERNAL).
  z.object({ type: z.literal('resume'), lastSeq: z.number().int().min(0).max(2_147_483_647) }),
  z.object({ type: z.literal('status'), status: z.enum(['available', 'away', 'offline']), reason: z.string().trim().min(1).max(100).optional() }),
  z.object({ type: z.literal('accept'), reservationId: z.uuid() }),
  z.object({ type: z.literal('reject'), reservationId: z.uuid() }),
  z.object({ type: z.literal('wrapup_done') }),
]);
export type TClientMessage = z.infer<typeof ZClientMessage>;

/**
 * Parses a raw frame; returns a readable reason instead of throwing. Text the database
 * cannot store (a `\u0000` or a lone surrogate, anywhere in the frame) is refused here, as
 * the HTTP edge does, so it never becomes a failed write.
 */
export function parseClientMessage(raw: string): { ok: true; message: TClientMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const unstorable = findUnstorableText(json);
  if (unstorable) return { ok: false, reason: `${unstorable.path.join('.') || 'message'}: ${unstorable.reason}` };
  const parsed = ZClientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || 'type'}: ${issue.message}` : 'invalid message' };
}
