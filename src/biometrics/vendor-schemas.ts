import { z } from 'zod';
import type { VendorResult } from './voice-types.js';

const ZUnit = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

/** A vendor's result (DESIGN.md), in a 200 answer or on the result callback. Unknown keys are dropped. */
export const ZVendorResult = z.object({
  requestId: z.string().min(1, 'must not be empty').max(128),
  decision: z.enum(['match', 'no_match', 'not_enough_speech', 'not_enrolled']),
  score: ZUnit,
  spoof: z.boolean(),
  fraud: z.object({ watchlistHit: z.boolean(), risk: ZUnit }),
}) satisfies z.ZodType<VendorResult>;
