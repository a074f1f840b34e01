import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { bootLambdaApp } from '../../src/serverless/lambda-app.js';

const DEPLOYED = {
  PUBLIC_BASE_URL: 'https://abc123.execute-api.me-south-1.amazonaws.com',
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789',
  JWT_SECRET: 'test-jwt-secret-that-is-long-enough',
};

describe('the app composed for Lambda', () => {
  it('refuses to start without DATABASE_URL, naming it (there is no disk for the embedded database)', async () => {
    await expect(bootLambdaApp({ ...DEPLOYED })).rejects.toThrow(ConfigError);
    await expect(bootLambdaApp({ ...DEPLOYED, DATABASE_URL: '' })).rejects.toThrow(/DATABASE_URL: required in Lambda/);
  });

  it('reads a variable serverless.yml left empty as unset, and still names a malformed one', async () => {
    // REDIS_URL: '' would fail its redis:// check if it were read as a value.
    const err = await bootLambdaApp({ ...DEPLOYED, DATABASE_URL: 'mysql://db.example/cc', REDIS_URL: '', TWILIO_CALLER_ID: '' }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect((err as Error).message).not.toMatch(/REDIS_URL|TWILIO_CALLER_ID/);
    await expect(bootLambdaApp({ ...DEPLOYED, DATABASE_URL: 'postgres://db.example/cc', TIMER_QUEUE_URL: '[object Object]' })).rejects.toThrow(/TIMER_QUEUE_URL/);
  });
});
