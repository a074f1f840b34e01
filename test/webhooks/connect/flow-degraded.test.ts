import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowed } from '../../helpers/slowed-db.js';
import { flowEvent } from './connect-events.js';
import { createConnectTestApp, queueArn, type ConnectTestApp } from './connect-test-app.js';

// The store answers calls' writes only after 3 s, longer than Connect waits by default; the
// flow's budget here is 300 ms. (Timing is never asserted: the answer's `degraded` is.)
let t: ConnectTestApp;
beforeAll(async () => {
  t = await createConnectTestApp({ answerBudgetMs: 300, db: (db) => slowed(db, ['Call'], 3000) });
});
afterAll(async () => {
  // Let the slowed writes land before the database goes.
  await new Promise((r) => setTimeout(r, 3500));
  await t.close();
});

describe('Connect flow with a slow store', () => {
  it('lookup answers degraded with the customer the CRM found, instead of timing out', async () => {
    const answer = await t.connect.flow(flowEvent('0000d001-3333-4444-8555-666677778888', 'lookup'));
    expect(answer).toMatchObject({ degraded: 'true', known: 'true', customerId: 'c-noura', customerName: 'نورة القحطاني', language: 'ar', tier: 'gold', accountValue: '182000' });
  });

  it('route answers degraded with the queue our side falls back to and its ARN', async () => {
    const answer = await t.connect.flow(flowEvent('0000d002-3333-4444-8555-666677778888', 'route', { queue: 'billing' }));
    expect(answer).toMatchObject({ degraded: 'true', queue: 'general', queueArn: queueArn(2), known: 'true' });
  });

  it('verify answers pending and degraded: the flow asks again or goes to the PIN', async () => {
    const answer = await t.connect.flow(flowEvent('0000d003-3333-4444-8555-666677778888', 'verify'));
    expect(answer).toMatchObject({ degraded: 'true', verification: 'pending' });
  });
});
