/**
 * The post-call survey as an IVR flow (published as `survey`, like any other flow): CSAT
 * 1-5, then NPS 0-10, by keypad or speech, in the language of the call. Its rating inputs
 * are named `csat` and `nps`: that is what the survey recorder reads.
 */
import type { TFlow, TFlowInput } from './flow-schema.js';
import { validateFlow } from './flow-validate.js';
import { DEFAULT_VOICES } from './voices.js';

export const SURVEY_FLOW_NAME = 'survey';

export const surveyFlowDefinition = {
  name: SURVEY_FLOW_NAME,
  start: 'intro',
  defaultLanguage: 'ar',
  voices: { ...DEFAULT_VOICES },
  speechLanguages: { ar: 'ar-SA', en: 'en-US' },
  nodes: {
    intro: {
      type: 'say',
      prompt: { ar: 'شكراً لتواصلك معنا. نرجو أن تجيب عن سؤالين قصيرين.', en: 'Thank you for calling. Please answer two short questions.' },
      next: 'csat',
    },
    csat: {
      type: 'rating',
      name: 'csat',
      min: 1,
      max: 5,
      prompt: {
        ar: 'من واحد إلى خمسة، ما مدى رضاك عن الخدمة التي حصلت عليها؟ اضغط الرقم أو قله.',
        en: 'On a scale of one to five, how satisfied are you with the service you received? Press or say a number.',
      },
      invalidPrompt: { ar: 'عذراً، يرجى اختيار رقم من واحد إلى خمسة.', en: 'Sorry, please choose a number from one to five.' },
      next: 'nps',
      fallback: 'nps',
    },
    nps: {
      type: 'rating',
      name: 'nps',
      min: 0,
      max: 10,
      prompt: {
        ar: 'من صفر إلى عشرة، ما مدى احتمال أن توصي بنا لصديق؟ اضغط الرقم ثم المربع، أو قله.',
        en: 'From zero to ten, how likely are you to recommend us to a friend? Press the number and then hash, or say it.',
      },
      invalidPrompt: { ar: 'عذراً، يرجى اختيار رقم من صفر إلى عشرة.', en: 'Sorry, please choose a number from zero to ten.' },
      next: 'thanks',
      fallback: 'thanks',
    },
    thanks: { type: 'hangup', prompt: { ar: 'شكراً لك، مع السلامة.', en: 'Thank you. Goodbye.' } },
  },
} satisfies TFlowInput;

function load(): TFlow {
  const res = validateFlow(surveyFlowDefinition);
  // Fail at import time: a broken seed flow must never reach a live call.
  if (!res.ok) throw new Error(`surveyFlow invalid: ${JSON.stringify(res.errors)}`);
  return res.flow;
}

/** The validated survey flow (defaults applied). */
export const surveyFlow: TFlow = load();
