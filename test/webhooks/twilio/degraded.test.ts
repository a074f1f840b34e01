import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { slowed } from '../../helpers/slowed-db.js';
import { createTestApp, newCallSid, OPEN_HOURS, postTwilio, TEST_CONFIG, type TestApp } from '../../helpers/test-app.js';

const params = () => ({ CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' });

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
});
afterAll(() => t.close());

describe('when our own stores are slow or down', () => {
  it('runs the IVR for a caller as unknown when the CRM is slower than its budget', async () => {
    const { app } = buildApp({
      config: { ...TEST_CONFIG, crmLookupBudgetMs: 100 },
      db: slowed(t.db.prisma, ['CustomerPhone', 'Customer'], 3000),
      logger: pino({ level: 'silent' }),
      now: () => OPEN_HOURS,
    });
    const p = params();
    const res = await postTwilio(app, '/webhooks/twilio/voice', p);
    expect(res.status).toBe(200);
    expect(res.text).toContain('For English, press 2'); // asked like an unknown caller
    expect(res.text).not.toContain('Omar');
    const row = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'twilio', providerCallId: p.CallSid } } });
    expect(row.customerId).toBeNull();
  });

  it('still answers and queues the caller when every write is too slow', async () => {
    const { app } = buildApp({
      config: TEST_CONFIG,
      db: slowed(t.db.prisma, ['Call', 'CallStep', 'Interaction', 'CustomerPhone', 'Customer'], 3000),
      logger: pino({ level: 'silent' }),
      now: () => OPEN_HOURS,
    });
    await t.services.flows.active('main');
    const res = await postTwilio(app, '/webhooks/twilio/voice', params());
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
  });

  it('still answers the caller and puts them in the general queue when the database is down', async () => {
    const down = await createTestApp();
    await down.services.flows.active('main'); // the flow is cached, as on a live node
    await down.db.close();
    try {
      const res = await postTwilio(down.app, '/webhooks/twilio/voice', params());
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/<Enqueue[^>]*>general<\/Enqueue>/);
      expect(res.text).toContain('Sorry for the wait');
    } finally {
      await down.close();
    }
  });
});
