/**
 * What the caller hears and is asked at each phase of a `verify` node, as provider-neutral
 * actions. Pure: the call layer (src/calls/verify-caller.ts) decides the phase.
 */
import type { TFlow, TPrompt, TVerifyNode } from './flow-schema.js';
import { DEFAULT_PROMPTS, sayPrompt } from './prompts.js';
import type { Action, CallerContext, GatherAction, Lang, SayAction } from './types.js';

export interface VerifyView {
  flow: TFlow;
  nodeId: string;
  node: TVerifyNode;
  lang: Lang;
  caller: CallerContext;
}

const say = (v: VerifyView, prompt: TPrompt): SayAction => sayPrompt(v.flow, prompt, v.lang, v.caller);

function retryPrompt(retry: 'no_input' | 'invalid' | undefined): TPrompt | undefined {
  if (!retry) return undefined;
  return retry === 'no_input' ? DEFAULT_PROMPTS.noInput : DEFAULT_PROMPTS.invalid;
}

/** The consent question: one key, 1 agrees and 2 declines. */
export function consentQuestion(v: VerifyView, retry?: 'no_input' | 'invalid'): Action[] {
  const again = retryPrompt(retry);
  const gather: GatherAction = {
    type: 'gather',
    nodeId: v.nodeId,
    input: ['dtmf'],
    numDigits: 1,
    timeoutSeconds: v.node.consent.timeoutSeconds,
    speechLanguage: v.flow.speechLanguages[v.lang],
    prompt: [say(v, v.node.consent.prompt)],
  };
  return again ? [say(v, again), gather] : [gather];
}

/**
 * The caller's voice forked to the vendor while they answer the natural prompt. The spoken
 * answer comes back as a transcript (usable as an intent); the audio only goes to the vendor.
 */
export function speakPrompt(v: VerifyView, requestId: string, speechSeconds: number, before: Action[] = []): Action[] {
  return [
    { type: 'stream_start', requestId, purpose: 'verify' },
    ...before,
    {
      type: 'gather',
      nodeId: v.nodeId,
      input: ['speech'],
      timeoutSeconds: v.node.speechTimeoutSeconds,
      speechLanguage: v.flow.speechLanguages[v.lang],
      // Long enough for the vendor's net-speech target, with room for pauses.
      maxSpeechSeconds: Math.min(60, Math.ceil(speechSeconds * 2)),
      prompt: [say(v, v.node.prompt)],
    },
  ];
}

/** No verdict yet: a short hold, then straight back for it. */
export function awaitVerdict(v: VerifyView, opts: { firstTime: boolean }): Action[] {
  return [...(opts.firstTime ? [say(v, v.node.holdPrompt)] : []), { type: 'pause', seconds: 1 }, { type: 'redirect' }];
}

/** The PIN, keyed and never spoken (no speech recognition sees it). */
export function pinQuestion(v: VerifyView, before: Action[] = []): Action[] {
  return [
    ...before,
    {
      type: 'gather',
      nodeId: v.nodeId,
      input: ['dtmf'],
      numDigits: v.node.pin.maxDigits,
      finishOnKey: '#',
      timeoutSeconds: v.node.pin.timeoutSeconds,
      speechLanguage: v.flow.speechLanguages[v.lang],
      sensitive: true,
      prompt: [say(v, v.node.pin.prompt)],
    },
  ];
}

export function pinRetry(v: VerifyView, kind: 'no_input' | 'invalid'): Action[] {
  return pinQuestion(v, [say(v, kind === 'invalid' ? v.node.pin.invalidPrompt : DEFAULT_PROMPTS.noInput)]);
}

export const consentAnswerPrompt = (v: VerifyView, granted: boolean): SayAction =>
  say(v, granted ? v.node.consent.grantedPrompt : v.node.consent.declinedPrompt);
