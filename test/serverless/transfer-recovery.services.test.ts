/**
 * Under Lambda nothing runs between requests: a transfer a function left held (it timed out or
 * its container died while Twilio moved the caller) is settled by the scheduled routing tick
 * (EventBridge, every minute), which reconciles on every run. PostgreSQL: the app composed for
 * Lambda needs it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { bootLambdaApp } from '../../src/serverless/lambda-app.js';
import { startFakeTwilioApi, type HeldRequest } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let held: HeldRequest | undefined;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 300_000 } });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('huda', { name: 'Huda', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
});
afterAll(async () => {
  held?.drop();
  await t.services.routing.stop();
  await t.close();
  await twilioApi.close();
});

const bearer = (sub: string) => `Bearer ${t.token('agent', sub)}`;
const wait = (seconds: number) => {
  t.clock.now = new Date(t.clock.now.getTime() + seconds * 1000);
};

describe("Lambda's scheduled routing tick", () => {
  it('settles a cold transfer a function left held after Twilio moved the caller: the target is offered the call', async () => {
    if (!t.db.url) throw new Error('the service suite runs on PostgreSQL (TEST_DATABASE_URL)');
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
    for (const id of ['sara', 'huda']) {
      wait(1);
      await request(t.app).put(`/api/agents/${id}/status`).set('Authorization', bearer(id)).send({ status: 'available' }).expect(200);
    }
    await t.services.routing.dispatch();
    const [offer] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
    await request(t.app).post(`/api/reservations/${offer!.id}/accept`).set('Authorization', bearer('sara')).expect(200);

    // The function handling Sara's transfer never hears back from Twilio, which moved Omar into the queue.
    held = twilioApi.holdNext({ apply: true });
    void request(t.app).post(`/api/calls/${call.id}/transfer`).set('Authorization', bearer('sara')).send({ queue: 'billing', mode: 'cold' }).then((r) => r);
    await held.arrived;
    expect(twilioApi.callState(p.CallSid).with).toBeUndefined();

    wait(60);
    const lambda = await bootLambdaApp(
      {
        DATABASE_URL: t.db.url,
        DATABASE_SCHEMA: t.db.schema!,
        PUBLIC_BASE_URL: TEST_CONFIG.publicBaseUrl,
        TWILIO_ACCOUNT_SID: TEST_CONFIG.twilio.accountSid,
        TWILIO_AUTH_TOKEN: TEST_CONFIG.twilio.authToken,
        TWILIO_API_BASE_URL: twilioApi.url,
        JWT_SECRET: TEST_CONFIG.jwt.secret,
        OFFER_TIMEOUT_SECONDS: '300',
        LOG_LEVEL: 'silent',
      },
      { now: () => t.clock.now },
    );
    try {
      await lambda.tick();
      await lambda.settle();
    } finally {
      await lambda.close();
    }
    expect(await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId: call.id } })).toMatchObject({ status: 'offered', queue: 'billing' });
    expect((await t.db.prisma.reservation.findMany({ where: { status: 'pending', entry: { callId: call.id } } })).map((r) => r.agentId)).toEqual(['huda']);
    expect(await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).toMatchObject({ state: 'wrap_up', activeCount: 0 });
    expect(await t.db.prisma.callEvent.count({ where: { callId: call.id, type: 'transfer' } })).toBe(1);
  });
});
