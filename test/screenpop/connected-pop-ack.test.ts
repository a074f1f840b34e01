import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { contactEvent } from '../webhooks/connect/connect-events.js';
import { agentArn, createConnectTestApp, queueArn, type ConnectTestApp } from '../webhooks/connect/connect-test-app.js';

// An Amazon Connect call pops with no reservation of ours: the softphone's ack must still put
// the pop's delivery on the call's record, as it does for a Twilio offer.

let t: ConnectTestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let sara: AgentSocket;
const at = (seconds: number) => new Date(t.clock.now.getTime() + seconds * 1000).toISOString();

const connectedToAgent = (contactId: string) =>
  contactEvent(
    'CONNECTED_TO_AGENT',
    contactId,
    {
      customerEndpoint: { address: '+966501234567', type: 'TELEPHONE_NUMBER' },
      queueInfo: { queueArn: queueArn(3), enqueueTimestamp: at(20) },
      agentInfo: { agentArn: agentArn(1), connectedToAgentTimestamp: at(40) },
    },
    { time: at(40), initiatedAt: at(-5) },
  );

beforeAll(async () => {
  t = await createConnectTestApp();
  server = await startHttpServer(t);
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], connectAgentArn: agentArn(1) });
  sara = await connectAgent(server.url, t.token('agent', 'sara'));
  await sara.next((m) => m.type === 'hello');
});
afterAll(async () => {
  await sara?.close();
  await server?.close();
  await t?.close();
});

describe('the ack of an Amazon Connect pop', () => {
  it('records the pop as delivered to the agent on the call, once however often it is acked', async () => {
    const contactId = '0000c0de-1111-4222-8333-444455556666';
    await t.connect.contactEvent(connectedToAgent(contactId));
    const pop = await sara.next((m) => m.type === 'screen_pop' && m.call?.providerCallId === contactId);
    expect(pop.call).toMatchObject({ provider: 'connect', reservationId: null });
    const delivered = () => t.db.prisma.callEvent.findMany({ where: { callId: pop.call.id, type: 'pop_delivered' }, select: { key: true, data: true } });
    expect(await delivered()).toEqual([]);

    for (let i = 0; i < 3; i++) sara.send({ type: 'ack', id: pop.id });
    await expect.poll(delivered).toEqual([{ key: 'delivered:agent:sara', data: { agentId: 'sara' } }]);
    // Later acks (a second tab, a replay) are the same delivery.
    sara.send({ type: 'ack', id: pop.id });
    sara.send({ type: 'status', status: 'offline' });
    await sara.next((m) => m.type === 'result' && m.for === 'status');
    expect(await delivered()).toHaveLength(1);

    const message = await t.db.prisma.agentMessage.findUniqueOrThrow({ where: { id: pop.id } });
    expect(message.ackedAt).not.toBeNull();
    const events = await t.db.prisma.callEvent.findMany({ where: { callId: pop.call.id }, select: { type: true } });
    expect(events.map((e) => e.type).sort()).toEqual(['connected_to_agent', 'pop_delivered', 'pop_sent']);
  });
});
