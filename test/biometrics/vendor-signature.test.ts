import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBiometricsBody, verifyBiometricsSignature } from '../../src/biometrics/vendor-signature.js';

const SECRET = 'whsec-test';
const AT = new Date('2026-11-29T07:00:00Z');
const T = AT.getTime() / 1000;
const BODY = '{"requestId":"r1","decision":"match"}';
const seconds = (s: number) => new Date(AT.getTime() + s * 1000);

describe('X-Biometrics-Signature', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, as DESIGN.md fixes it', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signBiometricsBody(SECRET, BODY, AT)).toBe(`t=${T},v1=${expected}`);
  });

  it('accepts its own signature over the same bytes, up to 5 minutes either way', () => {
    const header = signBiometricsBody(SECRET, BODY, AT);
    expect(verifyBiometricsSignature(SECRET, BODY, header, AT)).toEqual({ ok: true });
    expect(verifyBiometricsSignature(SECRET, Buffer.from(BODY), header, seconds(300))).toEqual({ ok: true });
    expect(verifyBiometricsSignature(SECRET, BODY, header, seconds(-300))).toEqual({ ok: true });
  });

  it('refuses a signature older than 5 minutes, or from further than 5 minutes ahead', () => {
    const header = signBiometricsBody(SECRET, BODY, AT);
    expect(verifyBiometricsSignature(SECRET, BODY, header, seconds(301))).toEqual({ ok: false, reason: 'stale' });
    expect(verifyBiometricsSignature(SECRET, BODY, header, seconds(-301))).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses another body, another secret, or a signature moved to another time', () => {
    const header = signBiometricsBody(SECRET, BODY, AT);
    expect(verifyBiometricsSignature(SECRET, BODY.replace('match', 'no_match'), header, AT)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyBiometricsSignature('other-secret', BODY, header, AT)).toEqual({ ok: false, reason: 'mismatch' });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyBiometricsSignature(SECRET, BODY, moved, AT)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts any matching v1 among several (a vendor rotating its secret signs with both)', () => {
    const good = signBiometricsBody(SECRET, BODY, AT).split(',v1=')[1];
    const header = `t=${T},v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifyBiometricsSignature(SECRET, BODY, header, AT)).toEqual({ ok: true });
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['v1=abc', 'malformed'],
    [`t=${T}`, 'malformed'],
    [`t=${T},v1=xyz`, 'malformed'],
    [`t=soon,v1=${'a'.repeat(64)}`, 'malformed'],
    [`t=${T},t=${T},v1=${'a'.repeat(64)}`, 'malformed'],
    ['garbage', 'malformed'],
  ])('refuses the header %j as %s', (header, reason) => {
    expect(verifyBiometricsSignature(SECRET, BODY, header, AT)).toEqual({ ok: false, reason });
  });
});
