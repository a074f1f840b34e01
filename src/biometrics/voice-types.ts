/**
 * The contract between voice biometrics (vendor adapter, Media Streams, callback) and
 * its users (the IVR's verify step on Twilio and Connect, erasure, consent withdrawal).
 * The vendor's wire format is DESIGN.md's; nothing here carries audio.
 */

export type VoiceDecision = 'match' | 'no_match' | 'not_enough_speech' | 'not_enrolled';

/** A vendor result as DESIGN.md fixes it (already parsed and checked). */
export interface VendorResult {
  requestId: string;
  decision: VoiceDecision;
  score: number;
  spoof: boolean;
  fraud: { watchlistHit: boolean; risk: number };
}

/** What the IVR gets when it asks for a request's verdict. */
export type VoiceOutcome =
  | { status: 'result'; result: VendorResult }
  /** No verdict yet: audio still arriving, or the vendor answered 202 and has not called back. */
  | { status: 'pending' }
  /** No verdict will come in time: the flow goes to the PIN path. */
  | { status: 'unavailable'; reason: 'timeout' | 'vendor_error' | 'circuit_open' | 'bad_response' | 'no_audio' };

/** Where the vendor takes the audio from: Twilio Media Streams (audio we buffer) or Connect's Kinesis Video Stream. */
export type AudioSource = { kind: 'media_stream' } | { kind: 'kvs'; streamArn: string; startFragmentNumber: string };

export interface VoiceBiometrics {
  /** The customer's speaker (an opaque id of ours, created on first use) and whether a voiceprint is enrolled. */
  enrolment(customerId: string): Promise<{ speakerId: string; enrolled: boolean }>;
  /**
   * Opens a verify or enrol request for a call. For `media_stream` the id travels to Twilio
   * as the stream's `<Parameter name="requestId">` and audio is sent once `speechSeconds` of
   * it arrived or the stream stops; for `kvs` the request goes to the vendor at once.
   * Idempotent per (callId, kind): a provider retry gets the same request back.
   */
  open(input: { callId: string; customerId: string; kind: 'verify' | 'enrol'; speechSeconds: number; source: AudioSource }): Promise<{ requestId: string }>;
  /** The verdict, waiting at most `waitMs`; the vendor's own deadline and circuit breaker apply inside. */
  outcome(requestId: string, waitMs: number): Promise<VoiceOutcome>;
  /**
   * Deletes the customer's voiceprint at the vendor (consent withdrawn, erasure). Retried in
   * the background until the vendor confirms; `deleted: false` means still pending.
   */
  forget(customerId: string, reason: 'consent_withdrawn' | 'erasure'): Promise<{ speakerId: string | null; deleted: boolean }>;
}
