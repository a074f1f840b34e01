/** The screen pop as DESIGN.md fixes it; agents' softphones integrate against this. */
export interface ScreenPop {
  call: { id: string; provider: string; providerCallId: string | null; from: string; language: string; queue: string; waitSeconds: number; reservationId: string };
  reservation: { id: string; expiresAt: string; timeoutSeconds: number };
  customer: { id: string | null; name: string | null; tier: string | null; known: boolean; language?: string };
  accountValue: { amount: number; currency: string; tier: string } | null;
  /** Only the verdict: biometric data never reaches the agent. */
  verification: {
    status: 'verified' | 'failed' | 'not_enrolled' | 'locked' | 'skipped';
    /** What settled it: absent when nothing ran (an unknown caller, a watchlisted number). */
    method?: 'voice' | 'pin';
    /** The vendor's score, for a voice verdict only. */
    score?: number;
    /** Fraud flags: a watchlist hit (ours or the vendor's), a suspected spoof or deepfake. */
    risk: { watchlist: boolean; spoofSuspected: boolean };
  };
  /** The customer's experience score (0-100) with its parts; null for unknown callers or when it could not be read. */
  experience?: { score: number; csat: number | null; nps: number | null; fcr: number | null; openComplaints: number } | null;
  /** On a transferred call: who handed it on, and their note (a warm transfer says so: the caller is still with them). */
  transfer?: { from: string; note: string | null; mode: 'cold' | 'warm' };
  sentiment: { label: 'negative' | 'neutral' | 'positive'; score: number; trend: 'falling' | 'rising' | 'steady' | 'unknown' } | null;
  lastInteraction: HistoryItem | null;
  history: HistoryItem[];
  ivr: { path: string[]; intent: string | null; inputs: Record<string, string> };
  /** False when a store was slow and parts of the pop are missing. */
  complete: boolean;
}

export interface HistoryItem {
  channel: string;
  type: string;
  at: string;
  summary: string;
  sentiment: string | null;
}

/** Scores newest first -> the caller's mood and where it is heading. */
export type SentimentSummarizer = (scoresNewestFirst: number[]) => ScreenPop['sentiment'];
