import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header on every request to and callback from the voice-biometrics vendor (DESIGN.md). */
export const BIOMETRICS_SIGNATURE_HEADER = 'X-Biometrics-Signature';
/** A signature older (or further in the future, a skewed clock) than this is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

function hmacHex(secret: string, t: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` for `body` at `now`. */
export function signBiometricsBody(secret: string, body: string | Buffer, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/**
 * Checks a signature header against the raw body as received (bytes, not re-serialised
 * JSON). Several `v1=` entries are allowed (a vendor rotating its secret sends both); any
 * one matching is enough. The comparison is constant-time.
 */
export function verifyBiometricsSignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined,
  now: Date,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return { ok: false, reason: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || t !== undefined) return { ok: false, reason: 'malformed' };
      t = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return { ok: false, reason: 'malformed' };
      candidates.push(value.toLowerCase());
    }
    // Other schemes (v0, a future v2) are ignored, as Stripe-style signatures intend.
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
  // Every candidate is compared (no early exit) so timing says nothing about which matched.
  let matched = false;
  for (const c of candidates) matched = timingSafeEqual(expected, Buffer.from(c, 'hex')) || matched;
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
