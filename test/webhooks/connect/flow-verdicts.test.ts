import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../../helpers/agent-socket.js';
import { contactEvent, flowEvent } from './connect-events.js';
import { agentArn, createConnectTestApp, queueArn, type ConnectTestApp } from './connect-test-app.js';

// A verdict reached in Connect's flow must reach people as a Twilio call's does: the agent's
// pop carries its risk flags, supervisors are alerted to fraud, the caller's timeline says
// how the call was verified.

let t: ConnectTestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let sara: AgentSocket;
const alerts: unknown[] = [];
let seq = 0;
const newContactId = () => `${(++seq).toString(16).padStart(8, 'f')}-1111-4222-8333-444455556666`;
const at = (seconds: number) => new Date(t.clock.now.getTime() + seconds * 1000).toISOString();

const NOURA = '+966501234567';
const OMAR = '+966551112233';

beforeAll(async () => {
  t = await createConnectTestApp();
  server = await startHttpServer(t);
  t.services.bus.subscribe('supervisor.alert', (m) => alerts.push(m));
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], connectAgentArn: agentArn(1) });
  sara = await connectAgent(server.url, t.token('agent', 'sara'));
  await sara.next((m) => m.type === 'hello');
});
afterAll(async () => {
  sara?.close();
  await server?.close();
  await t?.close();
});

/** Connect hands the contact to Sara in the CCP: the pop she gets. */
async function popFor(contactId: string) {
  await t.connect.contactEvent(
    contactEvent('CONNECTED_TO_AGENT', contactId, { queueInfo: { queueArn: queueArn(3), enqueueTimestamp: at(20) }, agentInfo: { agentArn: agentArn(1), connectedToAgentTimestamp: at(40) } }, { time: at(40), initiatedAt: at(-5) }),
  );
  return sara.next((m) => m.type === 'screen_pop' && m.call?.providerCallId === contactId);
}

const timeline = (customerId: string, type: string) => t.db.prisma.interaction.findMany({ where: { customerId, type }, orderBy: { at: 'asc' } });

describe("Connect flow verdicts reach the agent, the supervisors and the timeline", () => {
  it('a watchlisted number fails closed at the PIN: supervisors are alerted (no number, no name), the pop warns the agent, the timeline says fraud was suspected', async () => {
    await t.services.biometrics.watchlist.add({ kind: 'number', value: NOURA, reason: 'test: reported stolen' }, 'test');
    const contactId = newContactId();
    await t.connect.flow(flowEvent(contactId, 'lookup', {}, NOURA));
    expect(await t.connect.flow(flowEvent(contactId, 'pin', { pin: '4321' }, NOURA))).toMatchObject({ verification: 'failed' });
    const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });

    await expect.poll(() => alerts).toContainEqual({ type: 'fraud_suspected', at: expect.any(String), callId: call.id, reason: 'watchlist' });
    expect(JSON.stringify(alerts)).not.toContain(NOURA);

    const pop = await popFor(contactId);
    expect(pop.verification).toEqual({ status: 'failed', risk: { watchlist: true, spoofSuspected: false } });
    expect((await timeline('c-noura', 'verification')).map((e) => e.summary)).toEqual(['Verification failed: fraud suspected (watchlist)']);
  });

  it('a wrong PIN is not final (the flow asks again); the right one verifies: one timeline entry, and the pop says verified by PIN with no risk', async () => {
    const contactId = newContactId();
    await t.connect.flow(flowEvent(contactId, 'lookup', {}, OMAR));
    expect(await t.connect.flow(flowEvent(contactId, 'pin', { pin: '1111', attempt: '1' }, OMAR))).toMatchObject({ verification: 'failed' });
    expect(await timeline('c-omar', 'verification')).toEqual([]);
    expect(await t.connect.flow(flowEvent(contactId, 'pin', { pin: '9876', attempt: '2' }, OMAR))).toMatchObject({ verification: 'verified' });

    const pop = await popFor(contactId);
    expect(pop.verification).toEqual({ status: 'verified', method: 'pin', risk: { watchlist: false, spoofSuspected: false } });
    expect((await timeline('c-omar', 'verification')).map((e) => e.summary)).toEqual(['Caller verified by PIN']);
    expect(alerts.filter((a) => (a as { callId: string }).callId === pop.call.id)).toEqual([]);
  });

  it('three wrong PINs lock the PIN: the lock-out is on the timeline and the pop says locked', async () => {
    const contactId = newContactId();
    await t.connect.flow(flowEvent(contactId, 'lookup', {}, OMAR));
    const answers = [];
    for (const attempt of ['1', '2', '3']) answers.push((await t.connect.flow(flowEvent(contactId, 'pin', { pin: '0000', attempt }, OMAR))).verification);
    expect(answers).toEqual(['failed', 'failed', 'locked']);

    const pop = await popFor(contactId);
    expect(pop.verification).toEqual({ status: 'locked', method: 'pin', risk: { watchlist: false, spoofSuspected: false } });
    expect((await timeline('c-omar', 'pin_locked')).map((e) => e.summary)).toEqual(['PIN locked after too many wrong attempts in the IVR']);
  });
});
