import express, { type Request, type Response } from 'express';
import { ANSWER_BUDGET_MS } from '../../src/calls/answer-budget.js';
import { answerInTime } from '../../src/calls/answer-in-time.js';
import type { CallService } from '../../src/calls/call-service.js';
import { choseCallback } from '../../src/calls/callback-prompts.js';
import { afterCallbackChoice, queueWaitPrompts, type WaitStatus } from '../../src/calls/queue-wait.js';
import type { IvrAnswer } from '../../src/calls/types.js';
import { AppError } from '../../src/errors.js';
import { parseInput } from '../../src/http/validate.js';
import type { Logger } from '../../src/logger.js';
import type { FallbackReason } from '../../src/metrics/instruments.js';
import { renderTwiml } from './render-twiml.js';
import { surveyInTime, type SurveyAnswer } from '../../src/calls/post-call-survey.js';
import { ZAgentLegQuery, ZAgentLegWebhook, ZCallbackWebhook, ZGatherQuery, ZGatherWebhook, ZQueueWaitWebhook, ZStatusQuery, ZStatusWebhook, ZSurveyQuery, ZVoiceWebhook } from './schemas.js';
import { requireTwilioSignature } from './signature.js';

export interface TwilioWebhookDeps {
  calls: CallService;
  authToken: string;
  publicBaseUrl: string;
  logger: Logger;
  holdMusicUrl?: string;
  /** TwiML is sent by then whatever the stores are doing (default: the domain's ANSWER_BUDGET_MS). */
  answerBudgetMs?: number;
  /** Counts each fallback answer, by why it was given (metrics). */
  countFallback?: (reason: FallbackReason) => void;
}

/** Twilio Voice webhooks: parse, verify, call the domain, render TwiML. */
export function twilioWebhooks(deps: TwilioWebhookDeps): express.Router {
  const router = express.Router();
  const budgetMs = deps.answerBudgetMs ?? ANSWER_BUDGET_MS;
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));
  router.use(requireTwilioSignature({ authToken: deps.authToken, publicBaseUrl: deps.publicBaseUrl }));

  const gatherUrl = (seq: number) => `${deps.publicBaseUrl}/webhooks/twilio/gather?seq=${seq}`;
  const queueWaitUrl = `${deps.publicBaseUrl}/webhooks/twilio/queue-wait`;
  // Twilio opens the stream to this URL and signs it as written (wss for an https base).
  const mediaUrl = `${deps.publicBaseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/webhooks/twilio/media`;
  const waitUrls = { offers: { callback: `${deps.publicBaseUrl}/webhooks/twilio/queue-callback` } };
  const surveyUrl = (seq: number) => `${deps.publicBaseUrl}/webhooks/twilio/survey?seq=${seq}`;

  async function answerSurvey(res: Response, callSid: string, work: () => Promise<SurveyAnswer>): Promise<void> {
    const survey = await surveyInTime({ logger: deps.logger, budgetMs }, callSid, work);
    res.type('text/xml').send(renderTwiml(survey.actions, { gather: surveyUrl(survey.nextSeq) }));
  }

  /** The IVR's answer within the budget, or the domain's fallback, as TwiML. */
  async function answer(res: Response, call: { callSid: string; from: string; to: string | null; seq: number }, work: (signal: AbortSignal) => Promise<IvrAnswer>): Promise<void> {
    const timely = await answerInTime(
      { calls: deps.calls, logger: deps.logger, budgetMs, countFallback: deps.countFallback },
      { provider: 'twilio', providerCallId: call.callSid, from: call.from, to: call.to, seq: call.seq },
      work,
    );
    res.type('text/xml').send(
      timely.kind === 'ivr'
        ? renderTwiml(timely.answer.actions, { gather: gatherUrl(timely.answer.nextSeq), queueWait: queueWaitUrl, media: mediaUrl })
        : // Fallback callers wait like anyone else: thanked while the store is away, told their place once it is back.
          renderTwiml(timely.actions, { queueWait: queueWaitUrl }),
    );
  }

  router.post('/voice', async (req: Request, res: Response) => {
    const body = parseInput(ZVoiceWebhook, req.body);
    const call = { callSid: body.CallSid, from: body.From, to: body.To ?? null, seq: 0 };
    await answer(res, call, (signal) =>
      deps.calls.start({ provider: 'twilio', providerCallId: body.CallSid, from: body.From, to: body.To ?? null }, signal),
    );
  });

  router.post('/gather', async (req: Request, res: Response) => {
    const { seq } = parseInput(ZGatherQuery, req.query, 'query');
    const body = parseInput(ZGatherWebhook, req.body);
    const call = { callSid: body.CallSid, from: body.From ?? '', to: body.To ?? null, seq };
    await answer(res, call, (signal) =>
      deps.calls.continue(
        {
          provider: 'twilio',
          providerCallId: body.CallSid,
          seq,
          input: { digits: body.Digits, speech: body.SpeechResult, confidence: body.Confidence },
        },
        signal,
      ),
    );
  });

  // <Dial action>: the agent's leg ended; the caller, if still there, hears the survey or is hung up on.
  router.post('/agent-leg-ended', async (req: Request, res: Response) => {
    const body = parseInput(ZAgentLegWebhook, req.body);
    const { leg: legId } = parseInput(ZAgentLegQuery, req.query, 'query');
    const leg = {
      leg: legId,
      provider: 'twilio' as const,
      providerCallId: body.CallSid,
      talked: body.DialCallStatus === 'completed' || body.DialCallStatus === 'answered',
      callerGone: body.CallStatus === 'completed' || body.CallStatus === 'canceled',
    };
    await answerSurvey(res, body.CallSid, () => deps.calls.agentLegEnded(leg));
  });

  router.post('/survey', async (req: Request, res: Response) => {
    const { seq } = parseInput(ZSurveyQuery, req.query, 'query');
    const body = parseInput(ZGatherWebhook, req.body);
    const input = { digits: body.Digits, speech: body.SpeechResult, confidence: body.Confidence };
    await answerSurvey(res, body.CallSid, () => deps.calls.continueSurvey({ provider: 'twilio', providerCallId: body.CallSid, seq, input }));
  });

  // Enqueue's waitUrl: Twilio requests it again each time its TwiML has played out.
  router.post('/queue-wait', async (req: Request, res: Response) => {
    const body = parseInput(ZQueueWaitWebhook, req.body);
    let status: WaitStatus | undefined;
    try {
      status = await deps.calls.waiting({ provider: 'twilio', providerCallId: body.CallSid });
    } catch (err) {
      deps.logger.warn({ err, callSid: body.CallSid }, 'queue status unavailable');
    }
    res.type('text/xml').send(renderTwiml(queueWaitPrompts(status, { holdMusicUrl: deps.holdMusicUrl }), waitUrls));
  });

  router.post('/queue-callback', async (req: Request, res: Response) => {
    const body = parseInput(ZCallbackWebhook, req.body);
    let booked: { language: string; accepted: boolean } | undefined;
    try {
      booked = choseCallback(body.Digits) ? await deps.calls.requestCallback({ provider: 'twilio', providerCallId: body.CallSid }) : undefined;
    } catch (err) {
      if (err instanceof AppError && err.status < 500) throw err;
      // Our side failed: the caller keeps their place in line rather than hearing an application error.
      deps.logger.warn({ err, callSid: body.CallSid }, 'callback request failed: caller keeps waiting');
    }
    res.type('text/xml').send(renderTwiml(afterCallbackChoice(booked), waitUrls));
  });

  router.post('/status', async (req: Request, res: Response) => {
    const body = parseInput(ZStatusWebhook, req.body);
    const terminal = ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(body.CallStatus);
    // The outbound leg of a callback is named by the call it calls back, not by its own SID.
    const { callbackFor } = parseInput(ZStatusQuery, req.query, 'query');
    // Twilio does not retry a status callback: once applied or kept on disk it is a 204,
    // whatever the database is doing; an end for a call we have not seen yet is kept too.
    if (!terminal || callbackFor) {
      if (terminal && callbackFor) await deps.calls.callbackEnded(callbackFor);
      res.status(204).end();
      return;
    }
    await deps.calls.end({
      provider: 'twilio',
      providerCallId: body.CallSid,
      endStatus: body.CallStatus,
      durationSeconds: body.CallDuration ?? null,
      from: body.From ?? '',
      to: body.To ?? null,
    });
    res.status(204).end();
  });

  return router;
}
