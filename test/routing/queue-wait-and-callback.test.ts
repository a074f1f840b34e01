import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة', phones: ['+966501234567'], language: 'ar', tier: 'silver' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { support: 2 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.rules.publish(
    { rules: [{ name: 'support', when: 'call.queue == "support"', queue: 'support', steps: [{ afterSeconds: 60, offerCallback: true }] }], default: { queue: 'general' } },
    { by: 'test' },
  );
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});

async function waitInSupport(from: string) {
  const p = { CallSid: newCallSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
  const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: p.CallSid } });
  return { p, callId: call.id };
}

describe('waiting in the queue', () => {
  it('tells the caller their position and wait in Arabic, and offers a callback only once the rule step says so', async () => {
    const { p } = await waitInSupport('+966501234567');
    const early = await postTwilio(t.app, '/webhooks/twilio/queue-wait', { ...p, QueuePosition: '1', QueueTime: '3' });
    expect(early.text).toContain('ترتيبك في قائمة الانتظار هو 1');
    expect(early.text).not.toContain('<Gather');
    t.clock.now = new Date(t.clock.now.getTime() + 61_000);
    const later = await postTwilio(t.app, '/webhooks/twilio/queue-wait', { ...p, QueuePosition: '1', QueueTime: '64' });
    expect(later.text).toContain('https://cc.example.test/webhooks/twilio/queue-callback');
    expect(later.text).toContain('اضغط 1');
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '70' });
  });

  it('keeps the place of a caller who asks for a callback, then calls them back and connects the agent', async () => {
    const { p, callId } = await waitInSupport('+966551112233');
    t.clock.now = new Date(t.clock.now.getTime() + 61_000);
    const offer = await postTwilio(t.app, '/webhooks/twilio/queue-wait', p);
    expect(offer.text).toContain('To be called back instead of waiting, press 1.');
    const confirmed = await postTwilio(t.app, '/webhooks/twilio/queue-callback', { ...p, Digits: '1' });
    expect(confirmed.text).toContain('We will call you back');
    expect(confirmed.text).toContain('<Hangup/>');
    // The caller hangs up: a callback keeps its place in line.
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '75' }).expect(204);
    const entry = await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } });
    expect(entry).toMatchObject({ kind: 'callback', status: 'waiting', callbackNumber: '+966551112233' });

    const agent = { Authorization: `Bearer ${t.token('agent', 'sara')}` };
    await request(t.app).put('/api/agents/sara/status').set(agent).send({ status: 'available' }).expect(200);
    await t.services.routing.dispatch();
    const [reservation] = await t.db.prisma.reservation.findMany({ where: { agentId: 'sara', status: 'pending' } });
    await request(t.app).post(`/api/reservations/${reservation!.id}/accept`).set(agent).expect(200);

    const created = twilioApi.requests.find((r) => r.path === '/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Calls.json');
    expect(created?.form).toMatchObject({ To: '+966551112233', From: '+966920000000', StatusCallback: `https://cc.example.test/webhooks/twilio/status?callbackFor=${callId}` });
    // The call's id rides to Sara's softphone, which answers the callback it accepted by itself.
    expect(created?.form.Twiml).toContain(`<Client><Identity>client-sara</Identity><Parameter name="callId" value="${callId}"/></Client>`);
    expect(created?.form.Twiml).toContain('this is the call back you asked for');

    const leg = { CallSid: newCallSid(), CallStatus: 'completed', CallDuration: '120' };
    await postTwilio(t.app, `/webhooks/twilio/status?callbackFor=${callId}`, leg).expect(204);
    expect((await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId } })).status).toBe('done');
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('wrap_up');
  });

  it('keeps a withheld-number caller waiting instead of promising a callback it cannot make', async () => {
    const p = { CallSid: newCallSid(), From: 'anonymous', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const res = await postTwilio(t.app, '/webhooks/twilio/queue-callback', { ...p, Digits: '1' });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('We will call you back');
  });
});
