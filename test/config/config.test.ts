import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretsPath } from '../../src/config.js';

const dirs: string[] = [];
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cc-config-'));
  dirs.push(dir);
  return path.join(dir, 'data');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const PROD = {
  DATABASE_URL: 'postgres://cc:pw@db.internal:5432/cc',
  TWILIO_AUTH_TOKEN: 'tw-token',
  JWT_SECRET: 'jwt-secret',
};

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('starts a production configuration with every value it was given', () => {
    const config = loadConfig({ ...PROD, DATA_DIR: tempDataDir(), PORT: '8080', TZ_BUSINESS: 'Asia/Dubai', PUBLIC_BASE_URL: 'https://cc.example.com/' });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: PROD.DATABASE_URL,
      publicBaseUrl: 'https://cc.example.com',
      businessTimeZone: 'Asia/Dubai',
      twilio: { authToken: 'tw-token' },
      jwt: { secret: 'jwt-secret' },
    });
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/cc' }],
    ['TZ_BUSINESS', { TZ_BUSINESS: 'Mars/Olympus_Mons' }],
    ['CRM_LOOKUP_BUDGET_MS', { CRM_LOOKUP_BUDGET_MS: '1' }],
    ['JWT_MAX_LIFETIME_SECONDS', { JWT_MAX_LIFETIME_SECONDS: 'a day' }],
    ['JWT_MAX_LIFETIME_SECONDS', { JWT_MAX_LIFETIME_SECONDS: '0' }],
  ])('refuses to start on a malformed %s and names it', (name, bad) => {
    const err = failure({ ...PROD, DATA_DIR: tempDataDir(), ...bad });
    expect(err.message).toContain(name);
  });

  it('holds tokens to 24 hours of life unless JWT_MAX_LIFETIME_SECONDS says otherwise', () => {
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir() }).jwt.maxLifetimeSeconds).toBe(86400);
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir(), JWT_MAX_LIFETIME_SECONDS: '' }).jwt.maxLifetimeSeconds).toBe(86400);
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir(), JWT_MAX_LIFETIME_SECONDS: '3600' }).jwt.maxLifetimeSeconds).toBe(3600);
  });

  it('treats an empty PORT or lookup budget as unset instead of listening on a random port', () => {
    const config = loadConfig({ ...PROD, DATA_DIR: tempDataDir(), PORT: '', CRM_LOOKUP_BUDGET_MS: ' ' });
    expect(config.port).toBe(3000);
    expect(config.crmLookupBudgetMs).toBe(400);
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir() }).port).toBe(3000);
  });

  it('refuses to start against a real database without a Twilio auth token, naming it', () => {
    const dataDir = tempDataDir();
    const err = failure({ DATABASE_URL: PROD.DATABASE_URL, JWT_SECRET: 'jwt-secret', DATA_DIR: dataDir });
    expect(err.message).toContain('TWILIO_AUTH_TOKEN');
    expect(err.message).not.toContain('JWT_SECRET');
  });

  it('treats a blank Twilio auth token as missing in production', () => {
    const err = failure({ ...PROD, TWILIO_AUTH_TOKEN: '   ', DATA_DIR: tempDataDir() });
    expect(err.message).toContain('TWILIO_AUTH_TOKEN');
  });

  it('refuses to start against a real database without a JWT key, and never writes generated secrets', () => {
    const dataDir = tempDataDir();
    const err = failure({ DATABASE_URL: PROD.DATABASE_URL, TWILIO_AUTH_TOKEN: 'tw', DATA_DIR: dataDir });
    expect(err.message).toMatch(/JWT_SECRET or JWT_PUBLIC_KEY/);
    expect(() => statSync(secretsPath(dataDir))).toThrow();
  });

  it('in embedded mode generates secrets into DATA_DIR once and reuses them on the next start', () => {
    const dataDir = tempDataDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.databaseUrl).toBeUndefined();
    expect(first.twilio.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(first.jwt.secret).toBeTruthy();
    const file = secretsPath(dataDir);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ twilioAuthToken: first.twilio.authToken, jwtSecret: first.jwt.secret });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.twilio).toEqual(first.twilio);
    expect(second.jwt.secret).toBe(first.jwt.secret);
  });

  it('prefers secrets from the environment over generated ones', () => {
    const dataDir = tempDataDir();
    const generated = loadConfig({ DATA_DIR: dataDir });
    const fromEnv = loadConfig({ DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: 'chosen-token', JWT_SECRET: 'chosen-secret' });
    expect(fromEnv.twilio.authToken).toBe('chosen-token');
    expect(fromEnv.jwt.secret).toBe('chosen-secret');
    expect(generated.twilio.authToken).not.toBe('chosen-token');
  });

  it('uses a JWT public key instead of a generated secret when one is given', () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----' });
    expect(config.jwt.secret).toBeUndefined();
    expect(config.jwt.publicKey).toBe('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----');
  });

  it('seeds demo data only into the embedded database, or when SEED_DEMO asks for it', () => {
    expect(loadConfig({ DATA_DIR: tempDataDir() }).seedDemo).toBe(true);
    expect(loadConfig({ DATA_DIR: tempDataDir(), SEED_DEMO: '0' }).seedDemo).toBe(false);
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir() }).seedDemo).toBe(false);
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir(), SEED_DEMO: '1' }).seedDemo).toBe(true);
    expect(failure({ ...PROD, SEED_DEMO: 'yes please' }).message).toContain('SEED_DEMO');
  });

  it('gives every database call a deadline and bounds the outage spool', () => {
    const config = loadConfig({ ...PROD, DATA_DIR: tempDataDir() });
    expect(config).toMatchObject({ dbTimeoutMs: 5000, spoolMaxBytes: 64 * 1024 * 1024 });
    expect(loadConfig({ ...PROD, DATA_DIR: tempDataDir(), DB_TIMEOUT_MS: '1500', SPOOL_MAX_MB: '8' })).toMatchObject({ dbTimeoutMs: 1500, spoolMaxBytes: 8 * 1024 * 1024 });
    expect(failure({ ...PROD, DB_TIMEOUT_MS: '0' }).message).toContain('DB_TIMEOUT_MS');
  });
});
