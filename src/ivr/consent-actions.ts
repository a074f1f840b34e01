/**
 * What the caller hears at a `consent` node, as provider-neutral actions. Pure: the call
 * layer (src/calls/ask-consent.ts) decides when to ask.
 */
import type { TConsentNode, TFlow } from './flow-schema.js';
import { DEFAULT_PROMPTS, sayPrompt } from './prompts.js';
import type { Action, CallerContext, GatherAction, Lang } from './types.js';

export interface ConsentView {
  flow: TFlow;
  nodeId: string;
  node: TConsentNode;
  lang: Lang;
  caller: CallerContext;
}

/** The question, one key; after a miss, the node's (or the default) retry prompt first. */
export function askConsent(v: ConsentView, retry?: 'no_input' | 'invalid'): Action[] {
  const gather: GatherAction = {
    type: 'gather',
    nodeId: v.nodeId,
    input: ['dtmf'],
    numDigits: 1,
    timeoutSeconds: v.node.timeoutSeconds,
    speechLanguage: v.flow.speechLanguages[v.lang],
    prompt: [sayPrompt(v.flow, v.node.prompt, v.lang, v.caller)],
  };
  if (!retry) return [gather];
  const again = retry === 'no_input' ? (v.node.noInputPrompt ?? DEFAULT_PROMPTS.noInput) : (v.node.invalidPrompt ?? DEFAULT_PROMPTS.invalid);
  return [sayPrompt(v.flow, again, v.lang, v.caller), gather];
}
