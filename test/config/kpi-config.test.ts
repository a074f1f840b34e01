import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const PROD = { DATABASE_URL: 'postgres://cc:pw@db.internal:5432/cc', TWILIO_AUTH_TOKEN: 'tw-token', JWT_SECRET: 'jwt-secret' };

describe('KPI settings', () => {
  it('defaults to DESIGN.md: 5 s short abandons, answered within 20 s, a 15 s rollup tick', () => {
    expect(loadConfig(PROD).kpi).toEqual({ shortAbandonSeconds: 5, serviceLevelSeconds: 20, serviceLevelByQueue: {}, rollupSeconds: 15 });
  });

  it('takes a service-level threshold per queue', () => {
    const kpi = loadConfig({ ...PROD, KPI_SERVICE_LEVEL_SECONDS: '30,vip=10,billing=45', KPI_SHORT_ABANDON_SECONDS: '8' }).kpi;
    expect(kpi).toMatchObject({ shortAbandonSeconds: 8, serviceLevelSeconds: 30, serviceLevelByQueue: { vip: 10, billing: 45 } });
  });

  it('names the variable when a threshold list is malformed', () => {
    expect(() => loadConfig({ ...PROD, KPI_SERVICE_LEVEL_SECONDS: 'vip=10' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...PROD, KPI_SERVICE_LEVEL_SECONDS: 'vip=10' })).toThrow(/KPI_SERVICE_LEVEL_SECONDS: must be seconds/);
  });
});
