import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

// Twilio's REST API is unreachable (the test app's default points at a dead port): every
// accept is taken, then undone because the caller cannot be bridged to the agent.
let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let sara: AgentSocket;

beforeAll(async () => {
  t = await createTestApp({ routingOptions: { offerTimeoutMs: 60_000 } });
  server = await startHttpServer(t);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar'], twilioIdentity: 'client-sara', wrapUpSeconds: 30 });
  sara = await connectAgent(server.url, t.token('agent', 'sara'));
  await sara.next((m) => m.type === 'hello');
});
afterAll(async () => {
  await sara.close();
  await server.close();
  await t.close();
});

const after = (index: number, match: (m: Record<string, any>) => boolean) => sara.next((m) => sara.received.indexOf(m) >= index && match(m));

describe('the softphone after an accept the provider could not connect', () => {
  it('is told the agent is available again, so it does not show them on a call', async () => {
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result' && m.for === 'status' && m.state === 'available');

    const p = { CallSid: newCallSid(), From: '0501234567', To: '+966920000000' };
    const mark = sara.received.length;
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '12345678' }).expect(200);
    await t.services.routing.dispatch();
    const pop = await after(mark, (m) => m.type === 'screen_pop');

    sara.send({ type: 'accept', reservationId: pop.reservation.id });
    const result = await after(mark, (m) => m.type === 'result' && m.for === 'accept');
    expect(result).toMatchObject({ ok: false, reservationId: pop.reservation.id, error: { code: 'SERVICE_UNAVAILABLE' } });
    // The accept made her busy for a moment; the last word her softphone has must be "available".
    await after(mark, (m) => m.type === 'presence' && m.state === 'busy');
    await after(mark, (m) => m.type === 'presence' && m.state === 'available');
    const presences = sara.received.slice(mark).filter((m) => m.type === 'presence');
    expect(presences.at(-1)).toMatchObject({ state: 'available' });
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'sara' } })).state).toBe('available');
    expect(await t.db.prisma.queueEntry.findFirstOrThrow({ where: { callId: pop.call.id } })).toMatchObject({ status: 'waiting' });
  });
});
