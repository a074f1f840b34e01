/**
 * How long a caller waits for our answer to a voice webhook before they get the fallback
 * (`fallback.ts`: an apology and a place in the general queue) instead of the IVR's.
 *
 * The caller hears dead air meanwhile, and the promise is that a slow or dead store never
 * delays the answer past 1 s; 900 ms leaves the rest for rendering and the network.
 * Providers wait far longer before failing the call themselves (Twilio 15 s, Amazon Connect
 * 8 s), so the budget is ours, not theirs, and every provider adapter uses the same one.
 */
export const ANSWER_BUDGET_MS = 900;
