/**
 * Public API of the dependency-free Arabic/English message sentiment scorer:
 * per-message scores for the omnichannel timeline and a mood summary/trend
 * for the agent's screen pop.
 */
export {
  scoreText,
  labelFor,
  NEUTRAL_BAND,
  type SentimentLabel,
  type SentimentLanguage,
  type SentimentResult,
} from './score.js';
export { sentimentTrend, summarize, TREND_THRESHOLD, type SentimentSummary, type SentimentTrend } from './trend.js';
export { tokenize, normalizeArabicWord, foldArabicLetters, MAX_CHARS, type Token } from './normalize.js';
