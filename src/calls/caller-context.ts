import type { LookupResult } from '../crm/lookup.js';
import type { CallerContext } from '../ivr/types.js';

/** What the IVR may know about the caller: enough to greet and branch, nothing more. */
export function callerContext(lookup: LookupResult): CallerContext {
  if (lookup.status !== 'found') return { known: false, openComplaint: false };
  const c = lookup.customer;
  return {
    known: true,
    name: c.name,
    language: c.language,
    tier: c.tier,
    openComplaint: lookup.openComplaint,
    ...(c.accountValue ? { accountValue: c.accountValue.amount } : {}),
  };
}
