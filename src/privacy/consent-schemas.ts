import { z } from 'zod';

/** What a customer can consent to (DESIGN.md: consents). */
export const PURPOSES = ['voice_biometrics', 'call_recording', 'survey', 'marketing'] as const;
export const ZPurpose = z.enum(PURPOSES);
export type TPurpose = z.infer<typeof ZPurpose>;

/** Where the answer was given: an IVR prompt, another system's API call, an agent on a call, the website. */
export const CONSENT_CHANNELS = ['ivr', 'api', 'agent', 'web'] as const;
export const ZConsentChannel = z.enum(CONSENT_CHANNELS);
export type TConsentChannel = z.infer<typeof ZConsentChannel>;

export const ZConsentInput = z.object({
  purpose: ZPurpose,
  granted: z.boolean(),
  channel: ZConsentChannel,
  // The version of the prompt or form the customer answered: what they agreed to is provable.
  textVersion: z.string().trim().regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be a version label such as v3 (letters, digits, . _ -; at most 40)'),
});
export type TConsentInput = z.infer<typeof ZConsentInput>;

/** A customer's answer for one purpose, as the API shows it. */
export interface ConsentState {
  purpose: TPurpose;
  granted: boolean;
  at: string;
  channel: TConsentChannel;
  textVersion: string;
}
