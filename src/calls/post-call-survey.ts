/**
 * The post-call survey: when the agent's leg ends and the caller is still on the line, a
 * queue that asks for surveys keeps them for a short one (the `survey` IVR flow, in the
 * call's language) — only when their consent register allows surveys. Each answer is
 * recorded as it is given, so a caller who hangs up half-way leaves what they said.
 */
import { AppError } from '../errors.js';
import { advance, startCall as startIvr } from '../ivr/engine.js';
import type { FlowStore } from '../ivr/flow-store.js';
import { SURVEY_FLOW_NAME } from '../ivr/survey-flow.js';
import type { CallerContext, Input } from '../ivr/types.js';
import { callLang } from '../ivr/voices.js';
import type { Logger } from '../logger.js';
import { answered, answersOf, sameAnswers } from '../analytics/surveys/survey-answers.js';
import type { SurveyRecorder } from '../analytics/surveys/survey-recorder.js';
import type { CallRepo } from './call-repo.js';
import { HANG_UP } from './fallback.js';
import type { SurveySessionStore } from './survey-session-store.js';
import type { Provider } from './types.js';

/** What the adapter renders, and the step number the survey's next action URL carries. */
export interface SurveyAnswer {
  actions: ReturnType<typeof advance>['actions'];
  nextSeq: number;
  /** True while the survey goes on (the actions end with a gather). */
  surveying: boolean;
}

export interface SurveyDeps {
  calls: Pick<CallRepo, 'find'>;
  flows: Pick<FlowStore, 'active' | 'version'>;
  sessions: SurveySessionStore;
  /** Does this queue ask its callers for a survey? */
  queueWantsSurvey: (queue: string) => Promise<boolean>;
  /** The consent register: true only for a standing grant. */
  allowsSurvey: (customerId: string) => Promise<boolean>;
  recorder: SurveyRecorder;
  now: () => Date;
  logger: Logger;
}

const HANG_UP_ANSWER: SurveyAnswer = { actions: HANG_UP, nextSeq: 1, surveying: false };

/** A survey flow knows nothing of the caller but their language: no name is spoken or stored. */
function surveyCaller(language: string): CallerContext {
  return { known: true, language: callLang(language), openComplaint: false };
}

function answerOf(actions: SurveyAnswer['actions'], seq: number): SurveyAnswer {
  return { actions, nextSeq: seq + 1, surveying: actions.some((a) => a.type === 'gather') };
}

/**
 * The agent's leg is over (`talked`: it was answered and ended; the caller is still on the
 * line unless `callerGone`): the survey's first question, or a goodbye hang-up.
 */
export async function startSurvey(
  deps: SurveyDeps,
  input: { provider: Provider; providerCallId: string; talked: boolean; callerGone: boolean },
): Promise<SurveyAnswer> {
  if (input.callerGone || !input.talked) return HANG_UP_ANSWER;
  const call = await deps.calls.find(input.provider, input.providerCallId);
  if (!call) return HANG_UP_ANSWER;
  const running = await deps.sessions.find(call.id);
  // A retried action request: the answer it got the first time.
  if (running) return answerOf(running.steps['0'] ?? HANG_UP, 0);
  // Unknown callers have no consent register: no consent, no survey.
  if (!call.customerId) return HANG_UP_ANSWER;
  const handled = await deps.sessions.handledBy(call.id);
  if (!handled || !(await deps.queueWantsSurvey(handled.queue))) return HANG_UP_ANSWER;
  if (!(await deps.allowsSurvey(call.customerId))) return HANG_UP_ANSWER;
  const flow = await deps.flows.active(SURVEY_FLOW_NAME);
  if (!flow) {
    deps.logger.warn({ queue: handled.queue }, `queue asks for surveys but no '${SURVEY_FLOW_NAME}' flow is published`);
    return HANG_UP_ANSWER;
  }
  const now = deps.now();
  const step = startIvr(flow.flow, surveyCaller(call.language), { from: '' }, now);
  const saved = await deps.sessions.start(
    { callId: call.id, customerId: call.customerId, queue: handled.queue, agentId: handled.agentId, flowName: flow.name, flowVersion: flow.version, language: step.session.language, session: step.session },
    step.actions,
    now,
  );
  if (saved === 'duplicate') return answerOf((await deps.sessions.find(call.id))?.steps['0'] ?? HANG_UP, 0);
  return answerOf(step.actions, 0);
}

/**
 * The caller answered (or did not answer) a survey question. `seq` comes from the action
 * URL, so a retried delivery gets the same answer and records nothing twice.
 */
export async function continueSurvey(
  deps: SurveyDeps,
  input: { provider: Provider; providerCallId: string; seq: number; input: Input },
): Promise<SurveyAnswer> {
  const call = await deps.calls.find(input.provider, input.providerCallId);
  if (!call) throw new AppError('NOT_FOUND', 'no such call');
  const survey = await deps.sessions.find(call.id);
  if (!survey) throw new AppError('NOT_FOUND', 'no survey on this call');
  const replay = async () => {
    const stored = (await deps.sessions.find(call.id))?.steps[String(input.seq)];
    if (!stored) throw new AppError('CONFLICT', `survey step ${input.seq} has no stored answer`);
    return answerOf(stored, input.seq);
  };
  if (input.seq <= survey.stepSeq) return replay();
  if (input.seq !== survey.stepSeq + 1) throw new AppError('CONFLICT', `survey step ${input.seq} is ahead of the survey (at ${survey.stepSeq})`);

  // The survey finishes on the version it started with, even if a new one was published since.
  const flow = await deps.flows.version(survey.flowName, survey.flowVersion);
  if (!flow) throw new AppError('SERVICE_UNAVAILABLE', `IVR flow '${survey.flowName}' v${survey.flowVersion} is gone`);
  const now = deps.now();
  const step = advance(flow.flow, survey.session, input.input, surveyCaller(survey.language), { from: '' }, now);
  const before = answersOf(survey.session.inputs);
  const after = answersOf(step.session.inputs);
  const changed = answered(after) && !sameAnswers(before, after);
  const saved = await deps.sessions.advance(call.id, input.seq, step.session, step.actions, now, async (tx) =>
    changed
      ? deps.recorder.record(tx, { callId: call.id, customerId: survey.customerId, queue: survey.queue, agentId: survey.agentId, language: survey.language, answers: after, at: now })
      : undefined,
  );
  if (saved === 'duplicate') return replay();
  if (saved.result) await deps.recorder.announce(saved.result);
  return answerOf(step.actions, input.seq);
}

/**
 * A survey answer within `budgetMs`, whatever the stores do. Late or failed, the caller is
 * thanked by a hang-up: a survey is never worth holding a caller for. A 4xx (an unknown
 * call, a step ahead of the survey) is the provider's mistake and is thrown.
 */
export async function surveyInTime(deps: { logger: Logger; budgetMs: number }, providerCallId: string, work: () => Promise<SurveyAnswer>): Promise<SurveyAnswer> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deps.budgetMs);
  });
  const pending = work();
  try {
    const result = await Promise.race([pending, late]);
    if (result !== 'late') return result;
    deps.logger.error({ providerCallId, budgetMs: deps.budgetMs }, 'survey answer over budget: caller hung up on');
    pending.catch((err: unknown) => deps.logger.error({ err, providerCallId }, 'late survey step failed'));
    return HANG_UP_ANSWER;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) throw err;
    deps.logger.error({ err, providerCallId }, 'survey step failed: caller hung up on');
    return HANG_UP_ANSWER;
  } finally {
    clearTimeout(timer);
  }
}
