import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const PROD = { DATABASE_URL: 'postgres://cc:pw@db.internal:5432/cc', TWILIO_AUTH_TOKEN: 'tw-token', JWT_SECRET: 'jwt-secret' };

describe('voice-biometrics settings', () => {
  it('default to no vendor, a 2.5 s deadline, 10 s of speech to verify and 30 s to enrol', () => {
    expect(loadConfig(PROD).biometrics).toEqual({ vendorUrl: undefined, webhookSecret: undefined, deadlineMs: 2500, verifySpeechSeconds: 10, enrolSpeechSeconds: 30 });
  });

  it('take a vendor with its secret, and other deadlines and speech targets', () => {
    const b = loadConfig({ ...PROD, BIOMETRICS_VENDOR_URL: 'https://vendor.example/v1', BIOMETRICS_WEBHOOK_SECRET: 's3cret', BIOMETRICS_DEADLINE_MS: '1500', VERIFY_SPEECH_SECONDS: '8', ENROL_SPEECH_SECONDS: '' }).biometrics;
    expect(b).toEqual({ vendorUrl: 'https://vendor.example/v1', webhookSecret: 's3cret', deadlineMs: 1500, verifySpeechSeconds: 8, enrolSpeechSeconds: 30 });
  });

  it('refuse a vendor without the shared secret: nothing it sends could be trusted', () => {
    expect(() => loadConfig({ ...PROD, BIOMETRICS_VENDOR_URL: 'https://vendor.example/v1' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...PROD, BIOMETRICS_VENDOR_URL: 'https://vendor.example/v1' })).toThrow(/BIOMETRICS_WEBHOOK_SECRET: required when BIOMETRICS_VENDOR_URL is set/);
  });

  it('name the variable when a value is out of range', () => {
    expect(() => loadConfig({ ...PROD, BIOMETRICS_DEADLINE_MS: '10' })).toThrow(/BIOMETRICS_DEADLINE_MS/);
    expect(() => loadConfig({ ...PROD, VERIFY_SPEECH_SECONDS: '0' })).toThrow(/VERIFY_SPEECH_SECONDS/);
    expect(() => loadConfig({ ...PROD, BIOMETRICS_VENDOR_URL: 'not a url', BIOMETRICS_WEBHOOK_SECRET: 's' })).toThrow(/BIOMETRICS_VENDOR_URL/);
  });
});
