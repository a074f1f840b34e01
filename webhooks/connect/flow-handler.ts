import type { ExternalFlow, FlowRequest } from '../../src/calls/external-flow.js';
import type { Logger } from '../../src/logger.js';
import { renderAnswer, type FlowAnswer } from './render-answer.js';
import { parseOrThrow, ZContactFlowEvent, type TContactFlowEvent } from './schemas.js';

/** Connect's contact attributes may already hold the caller's language (a menu choice). */
function languageOf(attributes: Record<string, string> | null | undefined): 'ar' | 'en' | undefined {
  const v = attributes?.language;
  return v === 'ar' || v === 'en' ? v : undefined;
}

/** ContactFlowEvent -> the domain's request: names only, no decisions. */
export function toFlowRequest(e: TContactFlowEvent): FlowRequest {
  const data = e.Details.ContactData;
  const p = e.Details.Parameters;
  const audio = data.MediaStreams?.Customer?.Audio;
  return {
    action: p.action,
    providerCallId: data.ContactId,
    from: data.CustomerEndpoint?.Address || null,
    to: data.SystemEndpoint?.Address || null,
    language: languageOf(data.Attributes),
    queue: p.queue || undefined,
    intent: p.intent || undefined,
    callback: p.callback,
    audio: audio?.StreamARN && audio.StartFragmentNumber ? { streamArn: audio.StreamARN, startFragmentNumber: audio.StartFragmentNumber } : undefined,
    pin: p.pin,
    attempt: p.attempt ? Number(p.attempt) : undefined,
    consent: p.consent && p.consentTextVersion ? { granted: p.consent === 'granted', textVersion: p.consentTextVersion } : undefined,
    note: p.summary?.trim() ? { type: p.type ?? 'ivr_note', summary: p.summary.trim() } : undefined,
  };
}

/**
 * The contact-flow Lambda ("Invoke AWS Lambda function"): parse, ask the domain, render the
 * flat map. A malformed event throws before anything is written, which sends the flow down
 * the block's Error branch; a slow store answers `degraded: "true"` instead of timing out.
 */
export function createConnectFlowHandler(deps: { flow: ExternalFlow; logger: Logger }): (event: unknown) => Promise<FlowAnswer> {
  return async (event) => {
    let req: FlowRequest;
    try {
      req = toFlowRequest(parseOrThrow(ZContactFlowEvent, event, 'event'));
    } catch (err) {
      // The message names the field, never its value (a PIN or a number could be in it).
      deps.logger.warn({ err: { message: (err as Error).message } }, 'connect flow event refused');
      throw err;
    }
    return renderAnswer(await deps.flow.answer(req));
  };
}
