import { z } from 'zod';
import type { ScreenPop } from './types.js';

// What the IVR's verify step left in the queue entry's context (src/calls/handoff.ts). Read
// defensively: a context saved before verification existed, or by another writer, says skipped.
const ZSaved = z.object({
  status: z.enum(['verified', 'failed', 'not_enrolled', 'locked', 'skipped']),
  method: z.enum(['voice', 'pin']).optional(),
  score: z.number().min(0).max(1).optional(),
  risk: z.object({ watchlist: z.boolean(), spoofSuspected: z.boolean() }).partial().optional(),
});

/** The pop's `verification`: the verdict, how it was reached and the risk flags, nothing else. */
export function popVerification(context: unknown): ScreenPop['verification'] {
  const saved = ZSaved.safeParse((context as { verification?: unknown } | null)?.verification);
  if (!saved.success) return { status: 'skipped', risk: { watchlist: false, spoofSuspected: false } };
  const v = saved.data;
  return {
    status: v.status,
    ...(v.method ? { method: v.method } : {}),
    ...(v.score !== undefined && v.method === 'voice' ? { score: v.score } : {}),
    risk: { watchlist: v.risk?.watchlist === true, spoofSuspected: v.risk?.spoofSuspected === true },
  };
}
