import { mulawToLinear } from './mulaw.js';

/** Mean absolute amplitude (16-bit scale) above which a chunk counts as speech: about -40 dBFS, well over line noise. */
export const DEFAULT_SPEECH_THRESHOLD = 330;

/**
 * Net speech in a μ-law 8 kHz stream, by a simple energy gate per chunk (Twilio sends
 * 20 ms chunks): the caller's pauses and the silence while a prompt plays do not count
 * towards the seconds a verification needs. Not a voice-activity detector; the vendor
 * judges the audio itself and answers `not_enough_speech` when it disagrees.
 */
export function createSpeechMeter(threshold = DEFAULT_SPEECH_THRESHOLD) {
  let speechSamples = 0;
  return {
    /** Counts one chunk; returns whether it was speech. */
    add(chunk: Uint8Array): boolean {
      if (chunk.length === 0) return false;
      let sum = 0;
      for (const b of chunk) sum += Math.abs(mulawToLinear(b));
      const speech = sum / chunk.length >= threshold;
      if (speech) speechSamples += chunk.length;
      return speech;
    },
    /** Seconds of speech so far. */
    seconds: () => speechSamples / 8000,
  };
}
