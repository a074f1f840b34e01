import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const admin = () => `Bearer ${t.token('admin')}`;
async function callerOf(from: string) {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  return (await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } })).customerId;
}

describe('correcting a customer\'s phone (PUT /api/customers/:id)', () => {
  it('stops matching the old number, in lookups and for the next call from it, and matches the new one', async () => {
    await request(t.app).put('/api/customers/c-fix').set('Authorization', admin()).send({ name: 'Fixed Number', phones: ['0502220001'] }).expect(201);
    expect(await callerOf('+966502220001')).toBe('c-fix');

    await request(t.app).put('/api/customers/c-fix').set('Authorization', admin()).send({ name: 'Fixed Number', phones: ['0502220009'] }).expect(200);
    expect((await request(t.app).get('/api/customers').query({ phone: '0502220001' }).set('Authorization', admin())).body).toEqual({ items: [] });
    expect(await callerOf('+966502220001')).toBeNull();
    expect((await request(t.app).get('/api/customers').query({ phone: '0502220009' }).set('Authorization', admin())).body.items).toMatchObject([{ id: 'c-fix', phones: ['+966502220009'] }]);
    expect(await callerOf('+966502220009')).toBe('c-fix');
    // A later entry sent for the old number is not linked to the customer.
    const res = await request(t.app)
      .post('/api/interactions')
      .set('Authorization', `Bearer ${t.token('service')}`)
      .send({ phone: '0502220001', channel: 'sms', type: 'message', at: '2026-11-29T07:00:00Z', summary: 'from the old number', idempotencyKey: 'old-number-sms' });
    expect(res.status).toBe(201);
    expect(res.body.customerId ?? null).toBeNull();
  });
});
