import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_ALERT_POLICY } from '../../src/supervisor/alerts.js';

const PROD = { DATABASE_URL: 'postgres://cc:pw@db.internal:5432/cc', TWILIO_AUTH_TOKEN: 'tw-token', JWT_SECRET: 'jwt-secret' };

describe('supervisor alert settings', () => {
  it('defaults to the README: 2 minutes, 80 % after 5 calls, the crisis intent, 100,000 or platinum, an hour', () => {
    expect(loadConfig(PROD).alerts).toEqual(DEFAULT_ALERT_POLICY);
    expect(DEFAULT_ALERT_POLICY).toEqual({
      longWaitSeconds: 120,
      serviceLevelTarget: 0.8,
      serviceLevelMinCalls: 5,
      crisisIntents: ['crisis'],
      highValueAmount: 100_000,
      highValueTiers: ['platinum'],
      eventAlertMinutes: 60,
    });
  });

  it('takes lists of intents and tiers; a blank variable is the default', () => {
    const alerts = loadConfig({ ...PROD, ALERT_CRISIS_INTENTS: 'crisis,self_harm', ALERT_HIGH_VALUE_TIERS: '', ALERT_LONG_WAIT_SECONDS: '90' }).alerts;
    expect(alerts).toMatchObject({ crisisIntents: ['crisis', 'self_harm'], highValueTiers: ['platinum'], longWaitSeconds: 90 });
    expect(loadConfig({ ...PROD, ALERT_HIGH_VALUE_TIERS: 'gold,platinum' }).alerts.highValueTiers).toEqual(['gold', 'platinum']);
  });

  it('names the variable when a value is out of range or malformed', () => {
    expect(() => loadConfig({ ...PROD, ALERT_SERVICE_LEVEL_TARGET: '80' })).toThrow(/ALERT_SERVICE_LEVEL_TARGET/);
    expect(() => loadConfig({ ...PROD, ALERT_CRISIS_INTENTS: 'crisis,,x' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...PROD, ALERT_CRISIS_INTENTS: 'crisis,,x' })).toThrow(/ALERT_CRISIS_INTENTS: must be intents separated by commas/);
  });
});
