/**
 * Zod schemas for data-driven IVR flow definitions (shape only).
 *
 * Graph integrity (dangling references, CEL, loops) is checked separately in
 * `flow-validate.ts`, because zod validates one value at a time and cannot
 * see across nodes cleanly.
 */
import { z } from 'zod';
import { ZBusinessHours, type TBusinessHours } from '../hours/business-hours.js';
import { DEFAULT_CONSENT_TEXT_VERSION, DEFAULT_VERIFY_PROMPTS } from './verify-prompts.js';
import { ZPurpose } from '../privacy/consent-schemas.js';
import { DEFAULT_SET_PIN_PROMPTS } from './set-pin-prompts.js';

/** Max characters (Unicode code points, not UTF-16 units) of a prompt text. */
export const MAX_TEXT_CHARS = 1000;

export const ZLang = z.enum(['ar', 'en']);
export type TLang = z.infer<typeof ZLang>;

/** Node ids double as path entries and report keys, so keep them URL/log-safe. */
export const ZNodeId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'node id must be 1-64 chars of [A-Za-z0-9_-]');

// Count code points so Arabic/emoji text is measured the way authors read it.
const ZText = z
  .string()
  .min(1, 'text must not be empty')
  .refine((s) => [...s].length <= MAX_TEXT_CHARS, {
    message: `text exceeds ${MAX_TEXT_CHARS} characters`,
  })
  .refine((s) => (s.match(/\{[^}]*\}/g) ?? []).every((p) => p === '{name}'), {
    message: 'only the {name} placeholder is supported',
  });

/**
 * A bilingual prompt. `ar`/`en` are always used for callers whose name is
 * unknown; `arKnown`/`enKnown` (optional) are used instead when the caller's
 * name is known, so a greeting like "Welcome back, {name}" never renders as
 * "Welcome back, " for strangers. `{name}` in the base texts is replaced by ""
 * and the resulting spacing/punctuation is tidied.
 */
export const ZPrompt = z.strictObject({
  ar: ZText,
  en: ZText,
  arKnown: ZText.optional(),
  enKnown: ZText.optional(),
});
export type TPrompt = z.infer<typeof ZPrompt>;

const ZKey = z.enum(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);
const ZKeywords = z.array(z.string().min(1).max(100)).max(50);
const ZRetries = z.number().int().min(1).max(10).default(2);
const ZTimeout = z.number().int().min(1).max(60).default(5);

export const ZSayNode = z.strictObject({ type: z.literal('say'), prompt: ZPrompt, next: ZNodeId });

export const ZPlayNode = z.strictObject({
  type: z.literal('play'),
  url: z.url({ protocol: /^https$/, message: 'url must be an https URL' }),
  next: ZNodeId,
});

/** Language choice. Its prompt is spoken in BOTH languages (we don't know the caller's yet). */
export const ZLanguageNode = z.strictObject({
  type: z.literal('language'),
  prompt: ZPrompt,
  options: z
    .record(z.string().regex(/^[0-9*#]$/, 'option key must be a single DTMF key'), ZLang)
    .refine((o) => Object.keys(o).length > 0, { message: 'at least one option is required' }),
  speech: z.strictObject({ ar: ZKeywords, en: ZKeywords }).optional(),
  timeoutSeconds: ZTimeout,
  retries: ZRetries,
  noInputPrompt: ZPrompt.optional(),
  invalidPrompt: ZPrompt.optional(),
  next: ZNodeId,
  fallback: ZNodeId,
});

export const ZMenuOption = z.strictObject({
  digit: ZKey,
  speech: ZKeywords.optional(),
  next: ZNodeId,
  intent: z.string().min(1).max(64).optional(),
});

export const ZMenuNode = z.strictObject({
  type: z.literal('menu'),
  prompt: ZPrompt,
  options: z.array(ZMenuOption).min(1).max(12),
  hints: z.array(z.string().min(1).max(100)).max(100).optional(),
  timeoutSeconds: ZTimeout,
  retries: ZRetries,
  noInputPrompt: ZPrompt.optional(),
  invalidPrompt: ZPrompt.optional(),
  fallback: ZNodeId,
});

export const ZCollectNode = z
  .strictObject({
    type: z.literal('collect'),
    prompt: ZPrompt,
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'input name must be an identifier'),
    minDigits: z.number().int().min(1).max(32),
    maxDigits: z.number().int().min(1).max(32),
    pattern: z
      .string()
      .max(200)
      .refine(isValidRegex, { message: 'pattern is not a valid regular expression' })
      .optional(),
    finishOnKey: z.enum(['#', '*']).default('#'),
    timeoutSeconds: ZTimeout,
    retries: ZRetries,
    noInputPrompt: ZPrompt.optional(),
    invalidPrompt: ZPrompt.optional(),
    sensitive: z.boolean().default(false),
    next: ZNodeId,
    fallback: ZNodeId,
  })
  .refine((n) => n.minDigits <= n.maxDigits, {
    message: 'minDigits must be <= maxDigits',
    path: ['minDigits'],
  });

/**
 * A numeric answer (a survey's CSAT 1-5 or NPS 0-10) by keypad or speech, spoken numbers
 * included in Arabic (Gulf forms too) and English; stored in the session's inputs by `name`.
 */
export const ZRatingNode = z
  .strictObject({
    type: z.literal('rating'),
    prompt: ZPrompt,
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'input name must be an identifier'),
    min: z.number().int().min(0).max(100),
    max: z.number().int().min(0).max(100),
    timeoutSeconds: ZTimeout,
    retries: ZRetries,
    noInputPrompt: ZPrompt.optional(),
    invalidPrompt: ZPrompt.optional(),
    next: ZNodeId,
    fallback: ZNodeId,
  })
  .refine((n) => n.min <= n.max, { message: 'min must be <= max', path: ['min'] });

export const ZHoursNode = z.strictObject({ type: z.literal('hours'), open: ZNodeId, closed: ZNodeId });

export const ZBranchNode = z.strictObject({
  type: z.literal('branch'),
  cases: z
    .array(z.strictObject({ when: z.string().min(1).max(500), next: ZNodeId }))
    .min(1)
    .max(20),
  else: ZNodeId,
});

export const ZQueueNode = z.strictObject({
  type: z.literal('queue'),
  queue: z.string().min(1).max(64),
  prompt: ZPrompt.optional(),
});

export const ZHangupNode = z.strictObject({ type: z.literal('hangup'), prompt: ZPrompt.optional() });

/** The version of the consent wording a caller answers, recorded with their answer. */
const ZTextVersion = z.string().regex(/^[A-Za-z0-9._-]{1,40}$/, 'textVersion must be a version label such as v3 (letters, digits, . _ -; at most 40)');

/**
 * Who is calling, proven: voice biometrics (with the caller's consent), else a PIN. The
 * node runs across several webhooks (src/calls/verify-caller.ts) and branches on the
 * verdict: `verified`, `failed` (voice or PIN did not match, or fraud suspected — the
 * caller is never told which), `locked` (PIN locked out; `failed` when absent) and
 * `unverified` (unknown caller, nothing to verify with).
 */
export const ZVerifyNode = z.strictObject({
  type: z.literal('verify'),
  /** The natural prompt the caller answers while their voice is streamed to the vendor. */
  prompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.speak),
  /** Score at or above which a voice match verifies (Voice ID's default was comparable). */
  acceptance: z.number().min(0).max(1).default(0.9),
  /** Vendor fraud risk at or above which the caller fails closed, match or not. */
  maxRisk: z.number().min(0).max(1).default(0.7),
  /** Net speech the vendor gets to verify, and to enrol a new voiceprint (unset: VERIFY_SPEECH_SECONDS, ENROL_SPEECH_SECONDS). */
  speechSeconds: z.number().min(1).max(60).optional(),
  enrolSpeechSeconds: z.number().min(5).max(180).optional(),
  /** Seconds of silence before a caller who says nothing is taken as not answering. */
  speechTimeoutSeconds: ZTimeout,
  /** How long the caller may wait for a verdict after speaking before the PIN is used instead. */
  verdictWaitSeconds: z.number().int().min(1).max(30).default(8),
  /** After a voice no-match: ask for the PIN, or fail at once. */
  onNoMatch: z.enum(['pin', 'fail']).default('pin'),
  /** Start enrolment from the live call once a caller who consented proved themselves by PIN. */
  enrol: z.boolean().default(true),
  holdPrompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.hold),
  /** What the caller's spoken answer may say about why they call: the first match becomes the call's intent. */
  intents: z.array(z.strictObject({ intent: z.string().min(1).max(64), speech: ZKeywords.min(1) })).max(20).optional(),
  consent: z
    .strictObject({
      prompt: ZPrompt,
      textVersion: ZTextVersion,
      grantedPrompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.consentGranted),
      declinedPrompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.consentDeclined),
      timeoutSeconds: ZTimeout,
      retries: ZRetries,
    })
    .prefault({ prompt: DEFAULT_VERIFY_PROMPTS.consent, textVersion: DEFAULT_CONSENT_TEXT_VERSION }),
  pin: z
    .strictObject({
      prompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.pin),
      invalidPrompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.pinInvalid),
      /** Wrong PINs this call accepts before failing (the stored lock-out counts across calls). */
      attempts: z.number().int().min(1).max(5).default(3),
      minDigits: z.number().int().min(4).max(8).default(4),
      maxDigits: z.number().int().min(4).max(8).default(8),
      timeoutSeconds: z.number().int().min(1).max(60).default(8),
    })
    .refine((p) => p.minDigits <= p.maxDigits, { message: 'minDigits must be <= maxDigits', path: ['minDigits'] })
    .prefault({}),
  verified: ZNodeId,
  failed: ZNodeId,
  unverified: ZNodeId,
  locked: ZNodeId.optional(),
});

/**
 * The caller withdraws their voice-biometrics consent (an IVR option): the withdrawal is
 * recorded with the wording's version, which deletes their voiceprint at the vendor.
 */
export const ZConsentWithdrawNode = z.strictObject({
  type: z.literal('consent_withdraw'),
  textVersion: ZTextVersion.default(DEFAULT_CONSENT_TEXT_VERSION),
  /** Said once the withdrawal is recorded. */
  prompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.withdrawn),
  /** Said when the caller is not a customer we know (nothing to withdraw). */
  unknownPrompt: ZPrompt.default(DEFAULT_VERIFY_PROMPTS.withdrawUnknown),
  next: ZNodeId,
});

/**
 * Asks the caller's consent for one purpose of the consent register and branches on it.
 * A standing answer in the register is not asked again; an unknown caller cannot consent
 * (`skip`, else `declined`); no answer after the retries records nothing (`declined`).
 * Run by the call layer (src/calls/ask-consent.ts).
 */
export const ZConsentNode = z
  .strictObject({
    type: z.literal('consent'),
    purpose: ZPurpose,
    /** Should say which keys agree and decline: the caller hears only this. */
    prompt: ZPrompt,
    textVersion: ZTextVersion,
    agreeKey: ZKey.default('1'),
    declineKey: ZKey.default('2'),
    timeoutSeconds: ZTimeout,
    retries: ZRetries,
    noInputPrompt: ZPrompt.optional(),
    invalidPrompt: ZPrompt.optional(),
    granted: ZNodeId,
    declined: ZNodeId,
    skip: ZNodeId.optional(),
  })
  .refine((n) => n.agreeKey !== n.declineKey, { message: 'declineKey must differ from agreeKey', path: ['declineKey'] });

/**
 * A caller verified in this call (`session.verification.status` is `verified`) sets a new
 * PIN: keyed twice, 4 to 8 digits as the API has it; `failed` after `retries` misses
 * (mismatch, wrong length, silence), `notAllowed` without a word for anyone not verified.
 * Run by the call layer (src/calls/change-pin.ts).
 */
export const ZSetPinNode = z.strictObject({
  type: z.literal('set_pin'),
  prompt: ZPrompt.default(DEFAULT_SET_PIN_PROMPTS.prompt),
  confirmPrompt: ZPrompt.default(DEFAULT_SET_PIN_PROMPTS.confirmPrompt),
  mismatchPrompt: ZPrompt.default(DEFAULT_SET_PIN_PROMPTS.mismatchPrompt),
  invalidPrompt: ZPrompt.default(DEFAULT_SET_PIN_PROMPTS.invalidPrompt),
  /** Said once the new PIN is saved, before `done`. */
  changedPrompt: ZPrompt.default(DEFAULT_SET_PIN_PROMPTS.changedPrompt),
  timeoutSeconds: z.number().int().min(1).max(60).default(8),
  retries: ZRetries,
  done: ZNodeId,
  failed: ZNodeId,
  notAllowed: ZNodeId,
});

export const ZNode = z.discriminatedUnion('type', [
  ZSayNode,
  ZPlayNode,
  ZLanguageNode,
  ZMenuNode,
  ZCollectNode,
  ZRatingNode,
  ZHoursNode,
  ZBranchNode,
  ZQueueNode,
  ZHangupNode,
  ZVerifyNode,
  ZConsentWithdrawNode,
  ZConsentNode,
  ZSetPinNode,
]);
export type TNode = z.infer<typeof ZNode>;
export type TNodeType = TNode['type'];
export type TMenuNode = z.infer<typeof ZMenuNode>;
export type TCollectNode = z.infer<typeof ZCollectNode>;
export type TLanguageNode = z.infer<typeof ZLanguageNode>;
export type TVerifyNode = z.infer<typeof ZVerifyNode>;
export type TConsentWithdrawNode = z.infer<typeof ZConsentWithdrawNode>;
export type TConsentNode = z.infer<typeof ZConsentNode>;
export type TSetPinNode = z.infer<typeof ZSetPinNode>;
export type TRatingNode = z.infer<typeof ZRatingNode>;

export const ZHours = ZBusinessHours;
export type THours = TBusinessHours;

export const ZFlow = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'name must be 1-64 chars of [a-z0-9_-]'),
  start: ZNodeId,
  defaultLanguage: ZLang,
  voices: z.strictObject({ ar: z.string().min(1).max(100), en: z.string().min(1).max(100) }),
  speechLanguages: z
    .strictObject({
      ar: z.string().regex(/^ar(-[A-Z]{2})?$/),
      en: z.string().regex(/^en(-[A-Z]{2})?$/),
    })
    .default({ ar: 'ar-SA', en: 'en-US' }),
  hours: ZHours.optional(),
  nodes: z.record(ZNodeId, ZNode),
});
/** A parsed flow with defaults applied (what the engine consumes). */
export type TFlow = z.infer<typeof ZFlow>;
/** Authoring shape of a flow (defaults may be omitted). */
export type TFlowInput = z.input<typeof ZFlow>;

function isValidRegex(src: string): boolean {
  try {
    new RegExp(src);
    return true;
  } catch {
    return false;
  }
}
