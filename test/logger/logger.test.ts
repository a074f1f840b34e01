import { describe, expect, it } from 'vitest';
import { createLogger, maskPhone } from '../../src/logger.js';

const NUMBER = '+966501234567';
const SPEECH = 'my card number is 4111 and I want a refund';

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

describe('logger keeps callers private', () => {
  it('never prints a caller number in full, nor what the caller said', () => {
    const { logger, lines, text } = capture();
    logger.info(
      {
        from: NUMBER,
        body: { From: NUMBER, To: '+966112345678', SpeechResult: SPEECH, Digits: '1234' },
        params: { From: NUMBER, SpeechResult: SPEECH },
        call: { from: NUMBER, phone: '0501234567' },
      },
      'voice webhook',
    );
    expect(lines).toHaveLength(1);
    const out = text();
    expect(out).not.toContain(NUMBER);
    expect(out).not.toContain('501234567');
    expect(out).not.toContain('0501234567');
    expect(out).not.toContain('refund');
    const entry = JSON.parse(lines[0]!);
    expect(entry.msg).toBe('voice webhook');
    expect(entry.from).toBe(maskPhone(NUMBER));
    expect(entry.body).toBe('[redacted]');
    expect(entry.params.From).toBe(maskPhone(NUMBER));
    expect(entry.params.SpeechResult).toBe('[redacted]');
  });

  it('hides a caller-supplied request body even when it is logged under req', () => {
    const { logger, text } = capture();
    logger.warn({ req: { body: { From: NUMBER, SpeechResult: SPEECH } } }, 'slow request');
    expect(text()).not.toContain(NUMBER);
    expect(text()).not.toContain(SPEECH);
  });

  it('never prints a PIN, at the top of a line or inside an object', () => {
    const { logger, lines, text } = capture();
    logger.info({ pin: '482913', input: { pin: '739104' }, customerId: 'c-1' }, 'pin set');
    expect(text()).not.toContain('482913');
    expect(text()).not.toContain('739104');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ pin: '[redacted]', input: { pin: '[redacted]' }, customerId: 'c-1' });
  });

  it('still logs non-personal fields unchanged', () => {
    const { logger, lines } = capture();
    logger.info({ callSid: 'CA123', budgetMs: 400, from: NUMBER }, 'step');
    expect(JSON.parse(lines[0]!)).toMatchObject({ callSid: 'CA123', budgetMs: 400, msg: 'step' });
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last two digits only', () => {
    expect(maskPhone(NUMBER)).toBe('+966*******67');
    expect(maskPhone(NUMBER).startsWith('+966')).toBe(true);
    expect(maskPhone(NUMBER).endsWith('67')).toBe(true);
    expect(maskPhone(NUMBER)).not.toContain('5012345');
  });

  it('tells two callers apart by their last two digits', () => {
    expect(maskPhone('+966501234567')).not.toBe(maskPhone('+966501234568'));
  });

  it('reveals nothing of very short or missing values', () => {
    expect(maskPhone('12345')).toBe('***');
    expect(maskPhone('')).toBe('');
    expect(maskPhone(undefined)).toBe('');
    expect(maskPhone(966501234567)).toBe('');
  });
});
