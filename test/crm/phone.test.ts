import { describe, expect, it } from 'vitest';
import { normalizePhone } from '../../src/crm/phone.js';

const E164 = '+966501234567';

describe('normalizePhone: a Saudi mobile typed any common way is one customer number', () => {
  it.each([
    ['local 05 form', '0501234567'],
    ['bare international 9665 form', '966501234567'],
    ['plus form', '+966501234567'],
    ['00 international prefix', '00966501234567'],
    ['spaces', '050 123 4567'],
    ['dashes', '050-123-4567'],
    ['plus form with spaces and dashes', '+966 50-123-4567'],
    ['Arabic-Indic digits', '٠٥٠١٢٣٤٥٦٧'],
    ['Eastern Arabic-Indic (Persian) digits', '۰۵۰۱۲۳۴۵۶۷'],
    ['surrounding whitespace', '  0501234567  '],
  ])('%s -> +9665XXXXXXXX', (_label, raw) => {
    expect(normalizePhone(raw)).toBe(E164);
  });

  it.each([
    ['anonymous caller', 'anonymous'],
    ['Twilio client identity', 'client:bob'],
    ['SIP URI', 'sip:alice@example.com'],
    ['empty string', ''],
    ['100 characters of garbage', 'x7#'.repeat(33) + 'z'],
    ['100 digits', '9'.repeat(100)],
    ['too short to be a number', '123'],
  ])('%s is not a caller number', (_label, raw) => {
    expect(normalizePhone(raw)).toBeUndefined();
  });

  it('keeps a foreign number as its own E.164 rather than forcing it to Saudi Arabia', () => {
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('0044 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('+1 (202) 555-0143')).toBe('+12025550143');
  });
});
