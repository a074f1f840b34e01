import { randomBytes, randomInt } from 'node:crypto';
import twilio from 'twilio';
import { AUTH_TOKEN, PUBLIC_BASE_URL, VOICE_PATH } from './protocol.js';
import { seededPhone, unknownPhone } from './phones.js';

export interface VoiceRequest {
  body: string;
  headers: Record<string, string>;
  /** Whether From belongs to a seeded customer (the IVR should greet them by name). */
  known: boolean;
}

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const URL = PUBLIC_BASE_URL + VOICE_PATH;

/** The form parameters of Twilio's inbound-call webhook for a new call from `from`. */
export function inboundCallParams(from: string): Record<string, string> {
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: `CA${randomBytes(16).toString('hex')}`,
    CallStatus: 'ringing',
    Called: '+966114000000',
    Caller: from,
    Direction: 'inbound',
    From: from,
    FromCountry: 'SA',
    To: '+966114000000',
    ToCountry: 'SA',
  };
}

/**
 * One inbound-call webhook as Twilio sends it: a fresh CallSid every time, From a random
 * seeded customer (or, `unknownShare` of the time, a number nobody has), signed with the
 * auth token over the public URL + params.
 */
export function makeVoiceRequest(customers: number, unknownShare = 0.1): VoiceRequest {
  const known = Math.random() >= unknownShare;
  const from = known ? seededPhone(randomInt(0, customers)) : unknownPhone();
  const params = inboundCallParams(from);
  const signature = twilio.getExpectedTwilioSignature(AUTH_TOKEN, URL, params);
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    known,
  };
}

/** What the IVR answered, read off the TwiML. */
export type AnswerKind = 'greeted' | 'languageMenu' | 'fallback' | 'other';

export function classifyAnswer(body: string): AnswerKind {
  if (body.includes('Welcome back') || body.includes('أهلاً بعودتك')) return 'greeted';
  if (body.includes('For English, press 2')) return 'languageMenu';
  if (body.includes('نعتذر عن التأخير')) return 'fallback';
  return 'other';
}
