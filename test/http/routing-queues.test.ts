import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.rules.addQueue('support', { ar: 'الدعم', en: 'Support' });
  await t.services.rules.addQueue('sales', { en: 'Sales' });
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
});
afterAll(async () => {
  await t?.close();
});

/** A caller who presses 2 (support) and waits: no agent is signed in. */
async function supportCall() {
  const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
}

describe('the queue list', () => {
  it('shows each registered queue with its callers waiting and the longest wait, and only registered queues', async () => {
    const start = t.clock.now;
    await supportCall();
    t.clock.now = new Date(start.getTime() + 20_000);
    await supportCall();
    // A caller left in a queue nobody registered (an IVR naming an old queue) is not listed.
    await t.db.prisma.queueEntry.updateMany({ where: { enqueuedAt: t.clock.now }, data: { queue: 'retired' } });
    t.clock.now = new Date(start.getTime() + 45_000);

    const res = await request(t.app).get('/api/routing/queues').set('Authorization', `Bearer ${t.token('agent', 'sara')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { name: 'sales', displayName: { en: 'Sales' }, waiting: 0, longestWaitSeconds: 0 },
        { name: 'support', displayName: { ar: 'الدعم', en: 'Support' }, waiting: 1, longestWaitSeconds: 45 },
      ],
    });
  });
});
