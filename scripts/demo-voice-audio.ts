/**
 * Audio for the demo and test vendors: NOT a voice engine. Each 20 ms μ-law frame of
 * "speech" is a loud tone whose first 8 bytes are a marker naming who is speaking; the
 * stand-in vendors decide from the markers they find in the audio they are sent. The
 * simulator (`npm run simulate -- --voice`) and the Media Streams fixtures send these frames.
 */
import { linearToMulaw } from '../src/biometrics/mulaw.js';

export type DemoVoice = 'genuine' | 'impostor' | 'spoof';

/** Bytes that decode to loud samples, so a marker never turns a frame into silence. */
export const DEMO_MARKERS: Record<DemoVoice, Buffer> = {
  genuine: Buffer.from([0x0a, 0x8a, 0x1b, 0x9b, 0x0a, 0x8a, 0x2c, 0xac]),
  impostor: Buffer.from([0x0b, 0x8b, 0x1c, 0x9c, 0x0b, 0x8b, 0x2d, 0xad]),
  spoof: Buffer.from([0x0c, 0x8c, 0x1d, 0x9d, 0x0c, 0x8c, 0x2e, 0xae]),
};

export const FRAME_BYTES = 160;
const MULAW_SILENCE = 0xff;

/** One 20 ms frame: the voice's marker, then a 440 Hz tone at about -12 dBFS. */
export function demoSpeechFrame(voice: DemoVoice, index = 0): Buffer {
  const frame = Buffer.alloc(FRAME_BYTES);
  DEMO_MARKERS[voice].copy(frame, 0);
  for (let i = DEMO_MARKERS[voice].length; i < FRAME_BYTES; i++) {
    const n = index * FRAME_BYTES + i;
    frame[i] = linearToMulaw(8000 * Math.sin((2 * Math.PI * 440 * n) / 8000));
  }
  return frame;
}

export function silenceFrame(): Buffer {
  return Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
}

/** `seconds` of speech by `voice`, as 20 ms frames. */
export function demoSpeech(voice: DemoVoice, seconds: number): Buffer[] {
  return Array.from({ length: Math.round(seconds * 50) }, (_, i) => demoSpeechFrame(voice, i));
}

/** Who is speaking in `audio` (the voice with the most marked frames) and for how long. */
export function classifyDemoAudio(audio: Buffer): { voice: DemoVoice | 'unknown'; seconds: number } {
  let best: { voice: DemoVoice | 'unknown'; frames: number } = { voice: 'unknown', frames: 0 };
  for (const voice of Object.keys(DEMO_MARKERS) as DemoVoice[]) {
    let frames = 0;
    for (let at = audio.indexOf(DEMO_MARKERS[voice]); at >= 0; at = audio.indexOf(DEMO_MARKERS[voice], at + 1)) frames++;
    if (frames > best.frames) best = { voice, frames };
  }
  return { voice: best.voice, seconds: best.frames / 50 };
}
