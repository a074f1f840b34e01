/**
 * What a post-call survey's answers mean: the numbers read from the survey flow's inputs,
 * their one-line summary, and who needs a supervisor's follow-up.
 */

export interface SurveyAnswers {
  /** 1-5, null when not (yet) answered. */
  csat: number | null;
  /** 0-10, null when not (yet) answered. */
  nps: number | null;
}

/** The survey flow's rating nodes store their answers under these input names. */
export const SURVEY_INPUTS = { csat: 'csat', nps: 'nps' } as const;

function within(raw: string | undefined, min: number, max: number): number | null {
  if (raw === undefined || !/^[0-9]{1,3}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}

/** The answers in an IVR session's inputs; anything outside the scale is no answer. */
export function answersOf(inputs: Record<string, string>): SurveyAnswers {
  return { csat: within(inputs[SURVEY_INPUTS.csat], 1, 5), nps: within(inputs[SURVEY_INPUTS.nps], 0, 10) };
}

export function sameAnswers(a: SurveyAnswers, b: SurveyAnswers): boolean {
  return a.csat === b.csat && a.nps === b.nps;
}

export function answered(a: SurveyAnswers): boolean {
  return a.csat !== null || a.nps !== null;
}

/** A CSAT of 1-2, or an NPS detractor (0-6): the supervisor follows up. */
export function isDetractor(a: SurveyAnswers): boolean {
  return (a.csat !== null && a.csat <= 2) || (a.nps !== null && a.nps <= 6);
}

function parts(a: SurveyAnswers): string {
  return `CSAT ${a.csat === null ? 'not answered' : `${a.csat}/5`}, NPS ${a.nps === null ? 'not answered' : `${a.nps}/10`}`;
}

/** "Post-call survey: CSAT 4/5, NPS 9/10". */
export function surveySummary(a: SurveyAnswers): string {
  return `Post-call survey: ${parts(a)}`;
}

/** "Follow up: unhappy after a call in billing (CSAT 2/5, NPS 3/10)". */
export function followUpSummary(a: SurveyAnswers, queue: string): string {
  return `Follow up: unhappy after a call in ${queue} (${parts(a)})`;
}
