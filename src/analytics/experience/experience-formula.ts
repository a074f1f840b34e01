/**
 * A customer's experience score, 0-100: how their contacts with us have been going. Pure:
 * the facts in, the score and its parts out (README: "Post-call surveys and experience score").
 *
 * Three parts, each 0-100, weighted over the parts there is data for:
 *  - surveys (0.5): their last 5 post-call surveys of the year, each the mean of what was
 *    answered of CSAT ((csat - 1) / 4 * 100) and NPS (nps * 10);
 *  - sentiment (0.3): the last 10 scored timeline entries of 90 days, 50 + 50 x their mean
 *    sentiment (-1..1) weighted 0.8^i from the newest, so a falling trend pulls the score
 *    down sooner than a plain average would;
 *  - first-contact resolution (0.2): of their contacts in 90 days, the share not followed
 *    by another contact on any channel within 7 days, x 100.
 * No data at all: the neutral 70. Then 15 points off per open complaint (45 at most), and
 * the result is clamped to 0-100 and rounded.
 */

export const EXPERIENCE = {
  /** The score of a customer we know nothing about, and routing's default for unknown callers. */
  neutral: 70,
  weights: { survey: 0.5, sentiment: 0.3, fcr: 0.2 },
  surveysCounted: 5,
  surveyWindowDays: 365,
  sentimentCounted: 10,
  sentimentDecay: 0.8,
  contactWindowDays: 90,
  repeatWithinDays: 7,
  complaintPenalty: 15,
  maxComplaintPenalty: 45,
} as const;

/** Timeline entries that are bookkeeping, not a contact from the customer. */
const NOT_CONTACTS = new Set(['consent', 'survey', 'follow_up']);

export interface SurveyFact {
  csat: number | null;
  nps: number | null;
  answeredAt: Date;
}

export interface InteractionFact {
  type: string;
  at: Date;
  sentimentScore: number | null;
}

export interface ExperienceFacts {
  /** Within the survey window, any order. */
  surveys: SurveyFact[];
  /** Within the contact window, any order. */
  interactions: InteractionFact[];
  openComplaints: number;
}

export interface Experience {
  score: number;
  /** Mean CSAT (1-5) of the surveys counted; null without one. */
  csat: number | null;
  /** Mean NPS answer (0-10) of the surveys counted; null without one. */
  nps: number | null;
  /** First-contact resolution 0..1; null without contacts. */
  fcr: number | null;
  openComplaints: number;
  surveys: number;
  contacts: number;
  repeatContacts: number;
  parts: { survey: number | null; sentiment: number | null; fcr: number | null };
}

const DAY_MS = 86_400_000;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);

export function computeExperience(facts: ExperienceFacts): Experience {
  const surveys = [...facts.surveys].sort((a, b) => b.answeredAt.getTime() - a.answeredAt.getTime()).slice(0, EXPERIENCE.surveysCounted);
  const surveyValues = surveys.flatMap((s) => {
    const v = mean([...(s.csat !== null ? [((s.csat - 1) / 4) * 100] : []), ...(s.nps !== null ? [s.nps * 10] : [])]);
    return v === null ? [] : [v];
  });
  const surveyPart = mean(surveyValues);

  const byNewest = [...facts.interactions].sort((a, b) => b.at.getTime() - a.at.getTime());
  const scored = byNewest.flatMap((i) => (i.sentimentScore === null ? [] : [Math.max(-1, Math.min(1, i.sentimentScore))])).slice(0, EXPERIENCE.sentimentCounted);
  let sentimentPart: number | null = null;
  if (scored.length) {
    const weights = scored.map((_, i) => EXPERIENCE.sentimentDecay ** i);
    const weighted = scored.reduce((sum, s, i) => sum + s * weights[i]!, 0) / weights.reduce((a, b) => a + b, 0);
    sentimentPart = 50 + 50 * weighted;
  }

  const contacts = byNewest.filter((i) => !NOT_CONTACTS.has(i.type)).reverse();
  let repeatContacts = 0;
  for (let i = 0; i + 1 < contacts.length; i++) {
    if (contacts[i + 1]!.at.getTime() - contacts[i]!.at.getTime() <= EXPERIENCE.repeatWithinDays * DAY_MS) repeatContacts += 1;
  }
  const fcr = contacts.length ? (contacts.length - repeatContacts) / contacts.length : null;
  const fcrPart = fcr === null ? null : fcr * 100;

  const parts = [
    [surveyPart, EXPERIENCE.weights.survey],
    [sentimentPart, EXPERIENCE.weights.sentiment],
    [fcrPart, EXPERIENCE.weights.fcr],
  ] as const;
  const known = parts.filter(([p]) => p !== null) as Array<readonly [number, number]>;
  const base = known.length ? known.reduce((s, [p, w]) => s + p * w, 0) / known.reduce((s, [, w]) => s + w, 0) : EXPERIENCE.neutral;
  const penalty = Math.min(EXPERIENCE.maxComplaintPenalty, EXPERIENCE.complaintPenalty * facts.openComplaints);
  const score = Math.round(Math.max(0, Math.min(100, base - penalty)));

  return {
    score,
    csat: round1(mean(surveys.flatMap((s) => (s.csat === null ? [] : [s.csat])))),
    nps: round1(mean(surveys.flatMap((s) => (s.nps === null ? [] : [s.nps])))),
    fcr: round2(fcr),
    openComplaints: facts.openComplaints,
    surveys: surveys.length,
    contacts: contacts.length,
    repeatContacts,
    parts: { survey: round1(surveyPart), sentiment: round1(sentimentPart), fcr: round1(fcrPart) },
  };
}
