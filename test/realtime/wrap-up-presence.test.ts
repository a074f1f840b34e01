import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let sara: AgentSocket;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  server = await startHttpServer(t);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  // A known Arabic caller: the IVR skips the language menu.
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar'], twilioIdentity: 'client-sara', wrapUpSeconds: 30 });
  sara = await connectAgent(server.url, t.token('agent', 'sara'));
  await sara.next((m) => m.type === 'hello');
});
afterAll(async () => {
  await sara.close();
  await server.close();
  await t.close();
  await twilioApi.close();
});

/** A billing call offered to Sara, accepted on her socket, then ended by the caller. */
async function callTakenAndEnded(): Promise<void> {
  const p = { CallSid: newCallSid(), From: '0501234567', To: '+966920000000' };
  const seen = sara.received.length;
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '12345678' }).expect(200);
  await t.services.routing.dispatch();
  const pop = await sara.next((m) => m.type === 'screen_pop' && sara.received.indexOf(m) >= seen);
  sara.send({ type: 'accept', reservationId: pop.reservation.id });
  await sara.next((m) => m.type === 'result' && m.for === 'accept' && m.reservationId === pop.reservation.id);
  await postTwilio(t.app, '/webhooks/twilio/agent-leg-ended', { CallSid: p.CallSid, CallStatus: 'completed', DialCallStatus: 'completed', DialCallDuration: '40' }).expect(200);
}

const after = (index: number, match: (m: Record<string, any>) => boolean) => sara.next((m) => sara.received.indexOf(m) >= index && match(m));

describe("the softphone follows its agent's wrap-up", () => {
  it('is told when a call’s end puts the agent in wrap-up, and when "done" or the wrap-up time ends it', async () => {
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result' && m.for === 'status' && m.state === 'available');

    let mark = sara.received.length;
    await callTakenAndEnded();
    await after(mark, (m) => m.type === 'presence' && m.state === 'wrap_up');
    // "Done" answers the state it leads to, so the page shows the agent available.
    mark = sara.received.length;
    sara.send({ type: 'wrapup_done' });
    expect(await after(mark, (m) => m.type === 'result' && m.for === 'wrapup_done')).toMatchObject({ ok: true, state: 'available', changed: true });

    mark = sara.received.length;
    await callTakenAndEnded();
    await after(mark, (m) => m.type === 'presence' && m.state === 'wrap_up');
    // The wrap-up time runs out on routing's clock: the softphone hears that too.
    mark = sara.received.length;
    t.clock.now = new Date(t.clock.now.getTime() + 31_000);
    await t.services.routing.tick();
    await after(mark, (m) => m.type === 'presence' && m.state === 'available');
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
  });
});
