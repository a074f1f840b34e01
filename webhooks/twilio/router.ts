import express, { type Request, type Response } from 'express';
import type { CallService } from '../../src/calls/call-service.js';
import type { IvrAnswer } from '../../src/calls/types.js';
import { AppError } from '../../src/errors.js';
import { parseInput } from '../../src/http/validate.js';
import type { Logger } from '../../src/logger.js';
import { renderCallbackConfirmed, renderQueueWait } from './render-queue.js';
import { renderFallbackTwiml, renderTwiml } from './render-twiml.js';
import { ZCallbackWebhook, ZGatherQuery, ZGatherWebhook, ZQueueWaitWebhook, ZStatusWebhook, ZVoiceWebhook } from './schemas.js';
import { requireTwilioSignature } from './signature.js';

export interface TwilioWebhookDeps {
  calls: CallService;
  authToken: string;
  publicBaseUrl: string;
  logger: Logger;
  holdMusicUrl?: string;
  /** TwiML is sent by then whatever the stores are doing; Twilio itself gives up at 15 s. */
  answerBudgetMs?: number;
}

/** Twilio Voice webhooks: parse, verify, call the domain, render TwiML. */
export function twilioWebhooks(deps: TwilioWebhookDeps): express.Router {
  const router = express.Router();
  const budgetMs = deps.answerBudgetMs ?? 900;
  router.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));
  router.use(requireTwilioSignature({ authToken: deps.authToken, publicBaseUrl: deps.publicBaseUrl }));

  const gatherUrl = (seq: number) => `${deps.publicBaseUrl}/webhooks/twilio/gather?seq=${seq}`;
  const queueWaitUrl = `${deps.publicBaseUrl}/webhooks/twilio/queue-wait`;
  const callbackUrl = `${deps.publicBaseUrl}/webhooks/twilio/queue-callback`;

  /** Answers with the IVR's TwiML, or — if our side fails or is too slow — a place in a queue. */
  async function answer(res: Response, callSid: string, work: () => Promise<IvrAnswer>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), budgetMs);
    });
    const pending = work();
    try {
      const result = await Promise.race([pending, late]);
      if (result === 'late') {
        deps.logger.error({ callSid, budgetMs }, 'ivr answer over budget: caller sent to the general queue');
        pending.catch((err: unknown) => deps.logger.error({ err, callSid }, 'late ivr step failed'));
        res.type('text/xml').send(renderFallbackTwiml());
        return;
      }
      res.type('text/xml').send(renderTwiml(result.actions, { gather: gatherUrl(result.nextSeq), queueWait: queueWaitUrl }));
    } catch (err) {
      deps.logger.error({ err, callSid }, 'ivr step failed: caller sent to the general queue');
      res.type('text/xml').send(renderFallbackTwiml());
    } finally {
      clearTimeout(timer);
    }
  }

  router.post('/voice', async (req: Request, res: Response) => {
    const body = parseInput(ZVoiceWebhook, req.body);
    await answer(res, body.CallSid, () =>
      deps.calls.start({ provider: 'twilio', providerCallId: body.CallSid, from: body.From, to: body.To ?? null }),
    );
  });

  router.post('/gather', async (req: Request, res: Response) => {
    const { seq } = parseInput(ZGatherQuery, req.query, 'query');
    const body = parseInput(ZGatherWebhook, req.body);
    await answer(res, body.CallSid, () =>
      deps.calls.continue({
        provider: 'twilio',
        providerCallId: body.CallSid,
        seq,
        input: { digits: body.Digits, speech: body.SpeechResult, confidence: body.Confidence },
      }),
    );
  });

  // Enqueue's waitUrl: Twilio requests it again each time its TwiML has played out.
  router.post('/queue-wait', async (req: Request, res: Response) => {
    const body = parseInput(ZQueueWaitWebhook, req.body);
    let info;
    try {
      info = await deps.calls.waiting({ provider: 'twilio', providerCallId: body.CallSid });
    } catch (err) {
      deps.logger.warn({ err, callSid: body.CallSid }, 'queue status unavailable');
    }
    res.type('text/xml').send(renderQueueWait(info, { callback: callbackUrl, holdMusic: deps.holdMusicUrl }));
  });

  router.post('/queue-callback', async (req: Request, res: Response) => {
    const body = parseInput(ZCallbackWebhook, req.body);
    if (body.Digits !== '1') {
      res.type('text/xml').send(renderQueueWait(undefined, { callback: callbackUrl, holdMusic: deps.holdMusicUrl }));
      return;
    }
    const result = await deps.calls.requestCallback({ provider: 'twilio', providerCallId: body.CallSid });
    res.type('text/xml').send(result.accepted ? renderCallbackConfirmed(result.language) : renderQueueWait(undefined, { callback: callbackUrl }));
  });

  router.post('/status', async (req: Request, res: Response) => {
    const body = parseInput(ZStatusWebhook, req.body);
    const terminal = ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(body.CallStatus);
    // The outbound leg of a callback is named by the call it calls back, not by its own SID.
    const callbackFor = typeof req.query.callbackFor === 'string' ? req.query.callbackFor : undefined;
    if (!terminal || callbackFor) {
      if (terminal && callbackFor) await deps.calls.callbackEnded(callbackFor);
      res.status(204).end();
      return;
    }
    const call = await deps.calls.end({
      provider: 'twilio',
      providerCallId: body.CallSid,
      endStatus: body.CallStatus,
      durationSeconds: body.CallDuration ?? null,
    });
    // Unknown call: 404 so Twilio's debugger shows it, but nothing is created from a status alone.
    if (!call) throw new AppError('NOT_FOUND', 'no such call');
    res.status(204).end();
  });

  return router;
}
