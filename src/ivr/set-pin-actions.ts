/**
 * What a `set_pin` node says and asks, as provider-neutral actions. Pure: the call layer
 * (src/calls/change-pin.ts) decides the phase. The new PIN is keyed, never spoken.
 */
import type { TFlow, TPrompt, TSetPinNode } from './flow-schema.js';
import { DEFAULT_PROMPTS, sayPrompt } from './prompts.js';
import { PIN_DIGITS } from './set-pin-prompts.js';
import type { Action, CallerContext, GatherAction, Lang, SayAction } from './types.js';

export interface SetPinView {
  flow: TFlow;
  nodeId: string;
  node: TSetPinNode;
  lang: Lang;
  caller: CallerContext;
}

export type SetPinMiss = 'no_input' | 'invalid' | 'mismatch';

const say = (v: SetPinView, prompt: TPrompt): SayAction => sayPrompt(v.flow, prompt, v.lang, v.caller);

function pinGather(v: SetPinView, prompt: TPrompt): GatherAction {
  return {
    type: 'gather',
    nodeId: v.nodeId,
    input: ['dtmf'],
    numDigits: PIN_DIGITS.max,
    finishOnKey: '#',
    timeoutSeconds: v.node.timeoutSeconds,
    speechLanguage: v.flow.speechLanguages[v.lang],
    sensitive: true,
    prompt: [say(v, prompt)],
  };
}

/** The new PIN; after a miss, what went wrong first. */
export function askNewPin(v: SetPinView, miss?: SetPinMiss): Action[] {
  const gather = pinGather(v, v.node.prompt);
  if (!miss) return [gather];
  const why = miss === 'mismatch' ? v.node.mismatchPrompt : miss === 'invalid' ? v.node.invalidPrompt : DEFAULT_PROMPTS.noInput;
  return [say(v, why), gather];
}

export const askConfirmPin = (v: SetPinView): Action[] => [pinGather(v, v.node.confirmPrompt)];
