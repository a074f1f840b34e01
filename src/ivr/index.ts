/**
 * Public API of the bilingual (Arabic/English), provider-neutral IVR.
 */
export * from './flow-schema.js';
export { validateFlow, formatPath, type FlowError, type ValidateResult } from './flow-validate.js';
export { startCall, advance, MAX_WALK } from './engine.js';
export { isOpen, DEFAULT_TIMEZONE, type HoursLike } from '../hours/business-hours.js';
export { normalizeText, normalizeDigits, matchesKeyword, matchesAny } from './speech.js';
export { promptText, DEFAULT_PROMPTS } from './prompts.js';
export { compileExpr } from './cel.js';
export { demoFlow, demoFlowDefinition } from './demo-flow.js';
export type * from './types.js';
