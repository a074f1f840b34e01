/**
 * Mood over a customer's recent messages, for the agent's screen pop.
 * Inputs are per-message scores (−1..1), newest first, as the timeline stores them.
 */
import { labelFor, type SentimentLabel } from './score.js';

/** Direction of the newest message relative to the ones before it. */
export type SentimentTrend = 'falling' | 'rising' | 'steady' | 'unknown';

/** What the agent sees: current mood and where it is heading. */
export interface SentimentSummary {
  label: SentimentLabel;
  /** Weighted mean of the newest three scores (3:2:1), −1..1, 3 decimals. */
  score: number;
  trend: SentimentTrend;
}

/** A change larger than this (on the −1..1 scale) counts as a trend. */
export const TREND_THRESHOLD = 0.25;
// Newest score is compared with the mean of up to this many before it.
const BASELINE_SIZE = 4;
// Newest first. Chosen over "newest only" so one polite "ok" after two angry
// messages doesn't tell the agent the caller has calmed down.
const RECENT_WEIGHTS = [3, 2, 1] as const;

// Only the first few usable values are read: callers may pass a customer's whole
// history, and a stray NaN/null from storage must not poison the mean.
function recent(scores: readonly number[], n: number): number[] {
  const out: number[] = [];
  if (!Array.isArray(scores)) return out;
  for (let i = 0; i < scores.length && out.length < n; i++) {
    const s = scores[i];
    if (typeof s === 'number' && Number.isFinite(s)) out.push(Math.max(-1, Math.min(1, s)));
  }
  return out;
}

/**
 * Compare the newest score with the mean of the (up to 4) scores before it:
 * more than 0.25 lower is 'falling', higher is 'rising', otherwise 'steady';
 * 'unknown' with fewer than two usable scores.
 */
export function sentimentTrend(scoresNewestFirst: readonly number[]): SentimentTrend {
  const [newest, ...before] = recent(scoresNewestFirst, BASELINE_SIZE + 1);
  if (newest === undefined || before.length === 0) return 'unknown';
  const baseline = before.reduce((a, b) => a + b, 0) / before.length;
  const diff = newest - baseline;
  if (diff < -TREND_THRESHOLD) return 'falling';
  if (diff > TREND_THRESHOLD) return 'rising';
  return 'steady';
}

/**
 * Summarise recent scores (newest first) into label, score and trend. The score
 * is a 3:2:1 weighted mean of the newest three, so the latest message counts
 * most without erasing the mood just before it. Returns null when there is no
 * usable score — "no data" must not show as a calm, neutral caller.
 */
export function summarize(scoresNewestFirst: readonly number[]): SentimentSummary | null {
  const latest = recent(scoresNewestFirst, RECENT_WEIGHTS.length);
  if (latest.length === 0) return null;
  let total = 0;
  let weights = 0;
  latest.forEach((s, i) => {
    const w = RECENT_WEIGHTS[i] ?? 0;
    total += s * w;
    weights += w;
  });
  const score = Math.round((total / weights) * 1000) / 1000 || 0;
  return { label: labelFor(score), score, trend: sentimentTrend(scoresNewestFirst) };
}
