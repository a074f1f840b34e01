/** How long each kind of data is kept, in days (README: Data protection). */
export interface RetentionPolicy {
  /** Stored softphone messages (screen pops carry name, number, account value, IVR inputs). */
  agentMessagesDays: number;
  /** What callers keyed or said in the IVR (steps, the call's session, its queue entry). */
  ivrInputsDays: number;
  /** The full text of timeline entries (messages, emails); summaries stay. */
  interactionTextsDays: number;
  callEventsDays: number;
  /** Records the outage spool set aside as unappliable (DATA_DIR/spool/dead.jsonl). */
  spoolDays: number;
  /** Watchlist changes and erasure receipts (a pending erasure is kept until it completes). */
  auditDays: number;
  accessLogDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  agentMessagesDays: 7,
  ivrInputsDays: 90,
  interactionTextsDays: 730,
  callEventsDays: 365,
  spoolDays: 30,
  auditDays: 730,
  accessLogDays: 365,
};
