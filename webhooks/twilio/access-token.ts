import jwt from 'jsonwebtoken';
import twilio from 'twilio';
import type { TwilioVoiceConfig } from '../../src/config.js';
import type { VoiceTokenIssuer } from '../../src/voice/softphone-token.js';

/**
 * How long a softphone's access token lives. An hour: a stolen one is short-lived, and the
 * page asks for the next one when the SDK says this one is about to run out (tokenWillExpire),
 * so an agent's shift never notices. Twilio allows up to 24 h.
 */
export const VOICE_TOKEN_TTL_SECONDS = 3600;

/**
 * Twilio Access Tokens with a Voice grant, signed with an API key: the identity may receive
 * calls (`<Dial><Client>`) and place calls through the TwiML app. Times are the wall clock's,
 * not the app's, since Twilio checks them against its own.
 */
export function createTwilioVoiceTokens(opts: { accountSid: string; voice: Pick<TwilioVoiceConfig, 'apiKey' | 'apiSecret' | 'twimlAppSid'>; ttlSeconds?: number }): VoiceTokenIssuer {
  const ttl = opts.ttlSeconds ?? VOICE_TOKEN_TTL_SECONDS;
  return (identity) => {
    const token = new twilio.jwt.AccessToken(opts.accountSid, opts.voice.apiKey, opts.voice.apiSecret, { identity, ttl });
    token.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ incomingAllow: true, outgoingApplicationSid: opts.voice.twimlAppSid }));
    const signed = token.toJwt();
    const { exp } = jwt.decode(signed) as { exp: number };
    return { token: signed, expiresAt: new Date(exp * 1000) };
  };
}
