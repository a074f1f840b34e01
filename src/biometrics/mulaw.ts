/**
 * G.711 μ-law, the encoding of Twilio Media Streams (8 kHz, 8 bits a sample). Only what
 * the speech meter needs to tell speech from silence, and the demo to produce audio.
 */
const BIAS = 0x84;
const CLIP = 32635;

const DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + BIAS) << ((u >> 4) & 0x07)) - BIAS;
  DECODE[i] = u & 0x80 ? -magnitude : magnitude;
}

/** The 16-bit linear sample of a μ-law byte. */
export function mulawToLinear(byte: number): number {
  return DECODE[byte & 0xff]!;
}

/** The μ-law byte of a 16-bit linear sample. */
export function linearToMulaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s = Math.min(s, CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
