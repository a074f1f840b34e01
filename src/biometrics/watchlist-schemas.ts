import { z } from 'zod';
import { normalizePhone } from '../crm/phone.js';

const ZReason = z.string().trim().min(1, 'must not be empty').max(500);

/** A number is stored in E.164 so every spelling of it (05…, 9665…, Arabic-Indic digits) is one entry. */
export const ZWatchlistInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('number'),
    value: z
      .string()
      .max(64)
      .transform((raw, ctx) => {
        const e164 = normalizePhone(raw);
        if (!e164) {
          ctx.addIssue({ code: 'custom', message: 'is not a phone number' });
          return z.NEVER;
        }
        return e164;
      }),
    reason: ZReason,
  }),
  // Speaker ids are our own opaque ids (DESIGN.md): kept exactly as given.
  z.object({ kind: z.literal('speaker'), value: z.string().trim().min(1, 'must not be empty').max(128), reason: ZReason }),
]);
export type TWatchlistInput = z.infer<typeof ZWatchlistInput>;
export type TWatchlistKind = TWatchlistInput['kind'];

export const ZWatchlistId = z.string().uuid('must be a watchlist entry id');

export interface WatchlistEntry {
  id: string;
  kind: TWatchlistKind;
  value: string;
  reason: string;
  createdBy: string;
  createdAt: string;
}
