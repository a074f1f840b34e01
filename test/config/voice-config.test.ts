import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-voice-config-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PROD = { DATABASE_URL: 'postgres://cc:pw@db.internal:5432/cc', TWILIO_AUTH_TOKEN: 'tw-token', JWT_SECRET: 'jwt-secret', TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef' };
const VOICE = { TWILIO_API_KEY: 'SK0123456789abcdef0123456789abcdef', TWILIO_API_SECRET: 'api-secret', TWILIO_TWIML_APP_SID: 'AP0123456789abcdef0123456789abcdef' };

function failure(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig({ ...env, DATA_DIR: tempDataDir() });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('the softphone audio settings (TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID)', () => {
  it('are read together; none set (or all blank) is no audio in the browser', () => {
    expect(loadConfig({ ...PROD, ...VOICE, DATA_DIR: tempDataDir() }).twilio.voice).toEqual({
      apiKey: VOICE.TWILIO_API_KEY,
      apiSecret: 'api-secret',
      twimlAppSid: VOICE.TWILIO_TWIML_APP_SID,
      signallingHost: undefined,
    });
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir() }).twilio.voice).toBeUndefined();
    expect(loadConfig({ ...PROD, TWILIO_API_KEY: '', TWILIO_API_SECRET: ' ', TWILIO_TWIML_APP_SID: '', DATA_DIR: tempDataDir() }).twilio.voice).toBeUndefined();
  });

  it('refuses half a setup, naming what is missing, and a token for a generated account SID', () => {
    const message = failure({ ...PROD, TWILIO_API_KEY: VOICE.TWILIO_API_KEY });
    expect(message).toContain('TWILIO_API_SECRET: required when TWILIO_API_KEY is set');
    expect(message).toContain('TWILIO_TWIML_APP_SID: required when TWILIO_API_KEY is set');
    // Embedded mode generates an account SID no Twilio account has: its tokens would be refused.
    const { TWILIO_ACCOUNT_SID: _sid, ...withoutSid } = PROD;
    expect(failure({ ...withoutSid, ...VOICE })).toContain('TWILIO_ACCOUNT_SID: required when');
  });

  it.each([
    ['TWILIO_API_KEY', { TWILIO_API_KEY: 'AC0123456789abcdef0123456789abcdef' }],
    ['TWILIO_TWIML_APP_SID', { TWILIO_TWIML_APP_SID: 'PN0123456789abcdef0123456789abcdef' }],
    ['TWILIO_VOICE_SIGNALLING_HOST', { TWILIO_VOICE_SIGNALLING_HOST: 'wss://evil.example/signal' }],
  ])('refuses a malformed %s and names it', (name, bad) => {
    expect(failure({ ...PROD, ...VOICE, ...bad })).toContain(name);
  });

  it('takes the signalling test hook as host:port', () => {
    expect(loadConfig({ ...PROD, ...VOICE, TWILIO_VOICE_SIGNALLING_HOST: '127.0.0.1:8443', DATA_DIR: tempDataDir() }).twilio.voice?.signallingHost).toBe('127.0.0.1:8443');
  });
});
