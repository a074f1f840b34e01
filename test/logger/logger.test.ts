import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhone } from '../../src/logger.js';
import { createTwilioRest } from '../../webhooks/twilio/call-control.js';

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

describe('logger keeps the Twilio account and the number dialled out of a failed REST call', () => {
  it('logs why the call to Twilio failed, not the request it carried', async () => {
    // A port nothing listens on: the real twilio client fails as it does when api.twilio.com is unreachable.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const authToken = 'f3a9c1d2e4b5a6978877665544332211';
    const client = createTwilioRest({ accountSid: 'AC0123456789abcdef0123456789abcdef', authToken, apiBaseUrl: `http://127.0.0.1:${port}` });
    const err = await client.calls.create({ to: NUMBER, from: '+966920000000', twiml: '<Response/>' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);

    const { logger, lines, text } = capture();
    logger.error({ err, agentId: 'agent-sara' }, 'callback to customer failed');
    const out = text();
    expect(out).not.toContain(authToken);
    expect(out).not.toContain(Buffer.from(`AC0123456789abcdef0123456789abcdef:${authToken}`).toString('base64'));
    expect(out).not.toContain('501234567');
    const entry = JSON.parse(lines[0]!);
    expect(entry.err.message).toMatch(/ECONNREFUSED/);
    expect(entry.err.code).toBe('ECONNREFUSED');
    expect(entry.agentId).toBe('agent-sara');
  });
});
