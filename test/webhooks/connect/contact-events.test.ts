import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UpdateContactAttributesCommand } from '@aws-sdk/client-connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../../helpers/agent-socket.js';
import { contactEvent as connectEvent, flowEvent } from './connect-events.js';
import { agentArn, createConnectTestApp, INSTANCE_ID, queueArn, type ConnectTestApp } from './connect-test-app.js';

let t: ConnectTestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
const sockets: AgentSocket[] = [];
let seq = 0;
const newContactId = () => `${(++seq).toString(16).padStart(8, 'c')}-1111-4222-8333-444455556666`;
const at = (seconds: number) => new Date(t.clock.now.getTime() + seconds * 1000).toISOString();
const contactEvent = (eventType: string, contactId: string, detail: Record<string, unknown> = {}, opts: { pascal?: boolean } = {}) =>
  connectEvent(eventType, contactId, detail, { time: at(200), initiatedAt: at(-5), ...opts });

const lifecycle = (contactId: string) => ({
  initiated: contactEvent('INITIATED', contactId),
  queued: contactEvent('QUEUED', contactId, { queueInfo: { queueArn: queueArn(3), queueType: 'STANDARD', enqueueTimestamp: at(20) } }),
  connected: contactEvent('CONNECTED_TO_AGENT', contactId, { queueInfo: { queueArn: queueArn(3), enqueueTimestamp: at(20) }, agentInfo: { agentArn: agentArn(1), connectedToAgentTimestamp: at(40) } }, { pascal: true }),
  disconnected: contactEvent('DISCONNECTED', contactId, { disconnectTimestamp: at(160), agentInfo: { agentArn: agentArn(1), connectedToAgentTimestamp: at(40) } }),
  completed: contactEvent('COMPLETED', contactId, { disconnectTimestamp: at(160) }),
});

beforeAll(async () => {
  t = await createConnectTestApp();
  server = await startHttpServer(t);
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], connectAgentArn: agentArn(1) });
  await t.services.interactions.record({ idempotencyKey: 'h1', customerId: 'c-noura', phoneE164: null, channel: 'whatsapp', type: 'message', at: new Date(t.clock.now.getTime() - 2 * 86_400_000), summary: 'Asked why the bill is higher' });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server.close();
  await t.close();
});

describe('Connect contact events', () => {
  it('delivered three times each and out of order: one timeline entry, events in the order they happened, the call ended with its duration', async () => {
    const contactId = newContactId();
    const e = lifecycle(contactId);
    // The end first, then the rest; the flow's lookup in the middle; every event three times.
    const deliveries = [e.disconnected, e.queued, e.completed, e.disconnected, e.initiated, e.queued, e.completed, e.initiated, e.disconnected, e.completed, e.queued, e.initiated];
    for (const [i, ev] of deliveries.entries()) {
      await t.connect.contactEvent(ev);
      if (i === 4) await t.connect.flow(flowEvent(contactId, 'lookup'));
    }

    const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });
    expect(call).toMatchObject({ status: 'completed', customerId: 'c-noura', queue: 'priority', durationSeconds: 165, endedAt: new Date(at(160)), startedAt: new Date(at(-5)) });
    const { items } = await t.services.interactions.page('c-noura', { limit: 20 });
    const entries = items.filter((i) => i.providerCallId === contactId);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.at).toBe(at(-5));
    expect(entries[0]!.summary).toMatch(/queued to priority · completed after 2m 45s/);
    expect(entries[0]!.call!.events.map((ev) => ev.type)).toEqual(['initiated', 'flow_lookup', 'queued', 'disconnected', 'completed']);
  });

  it('CONNECTED_TO_AGENT pops the call on the agent\'s softphone once, with provider connect and the ContactId, from what the flow learnt (the caller, the verdict, the steps taken in the flow); the CCP gets our call id', async () => {
    const sara = await connectAgent(server.url, t.token('agent', 'sara'));
    sockets.push(sara);
    await sara.next((m) => m.type === 'hello');
    const contactId = newContactId();
    const e = lifecycle(contactId);
    t.connectMock.on(UpdateContactAttributesCommand).resolves({});
    await t.connect.contactEvent(e.initiated);
    expect(await t.connect.flow(flowEvent(contactId, 'lookup'))).toMatchObject({ known: 'true' });
    expect(await t.connect.flow(flowEvent(contactId, 'pin', { pin: '4321' }))).toMatchObject({ verification: 'verified' });
    expect(await t.connect.flow(flowEvent(contactId, 'route', { queue: 'billing', intent: 'bill_dispute' }))).toMatchObject({ queue: 'priority' });
    await t.connect.contactEvent(e.queued);
    for (let i = 0; i < 3; i++) await t.connect.contactEvent(e.connected);

    const pop = await sara.next((m) => m.type === 'screen_pop' && m.call?.providerCallId === contactId);
    const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });
    expect(pop).toMatchObject({
      call: { id: call.id, provider: 'connect', providerCallId: contactId, from: '+966501234567', language: 'ar', queue: 'priority', waitSeconds: 20, reservationId: null },
      customer: { id: 'c-noura', name: 'نورة القحطاني', tier: 'gold', known: true },
      accountValue: { amount: 182000, currency: 'SAR', tier: 'gold' },
      verification: { status: 'verified', method: 'pin' },
      // What she did in Connect's flow: keyed her PIN, chose billing in the menu.
      ivr: { path: ['pin', 'billing'], intent: 'bill_dispute', inputs: {} },
      // Her history, as read while she was in the flow (her earlier call of the first test is newest).
      history: expect.arrayContaining([expect.objectContaining({ channel: 'whatsapp', summary: 'Asked why the bill is higher' })]),
      complete: true,
    });
    const stored = await t.db.prisma.agentMessage.findMany({ where: { agentId: 'sara', type: 'screen_pop' } });
    expect(stored.filter((m) => (m.payload as { call: { providerCallId: string } }).call.providerCallId === contactId)).toHaveLength(1);
    expect(t.connectMock.commandCalls(UpdateContactAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE_ID, InitialContactId: contactId, Attributes: { ccCallId: call.id, ccCustomerId: 'c-noura' } },
    ]);
  });

  it('an agent no one linked, or a contact already ended, gets no pop and the event is acknowledged', async () => {
    const before = await t.db.prisma.agentMessage.count({ where: { type: 'screen_pop' } });
    const stranger = newContactId();
    await expect(
      t.connect.contactEvent(contactEvent('CONNECTED_TO_AGENT', stranger, { agentInfo: { agentArn: agentArn(2), connectedToAgentTimestamp: at(30) } })),
    ).resolves.toBeUndefined();
    const ended = newContactId();
    const e = lifecycle(ended);
    await t.connect.contactEvent(e.disconnected);
    await t.connect.contactEvent(e.connected);
    expect(await t.db.prisma.agentMessage.count({ where: { type: 'screen_pop' } })).toBe(before);
  });

  it('a malformed or non-voice event is acknowledged and writes nothing', async () => {
    const before = { calls: await t.db.prisma.call.count(), events: await t.db.prisma.callEvent.count() };
    const good = contactEvent('QUEUED', newContactId()) as ReturnType<typeof contactEvent> & { detail: Record<string, unknown> };
    for (const bad of [
      'hello',
      null,
      { ...good, source: 'aws.ec2' },
      { ...good, detail: { ...good.detail, contactId: 'not-a-contact' } },
      { ...good, detail: { ...good.detail, eventType: 'queued\u0000' } },
      { ...good, detail: { ...good.detail, channel: 'CHAT' } },
      { ...good, time: undefined, detail: { ...good.detail, eventType: 'CONTACT_DATA_UPDATED' } },
      { ...good, detail: { ...good.detail, eventType: 'COMPLETED', agentInfo: { afterContactWorkDuration: -5 } } },
      { ...good, detail: { ...good.detail, eventType: 'COMPLETED', agentInfo: { afterContactWorkDuration: 12.5 } } },
      { ...good, detail: { ...good.detail, eventType: 'COMPLETED', agentInfo: { afterContactWorkStartTimestamp: 'yesterday' } } },
      // Well-formed, but in years no store holds (year 0 in UTC): was thrown as a store failure, so redelivered for ever.
      { ...good, detail: { ...good.detail, queueInfo: { enqueueTimestamp: '0001-01-01T00:00:00+14:00' } } },
      { ...good, time: '0001-01-01T00:00:00+14:00', detail: { ...good.detail, eventType: 'INITIATED', initiationTimestamp: undefined } },
    ]) {
      await expect(t.connect.contactEvent(bad)).resolves.toBeUndefined();
    }
    expect({ calls: await t.db.prisma.call.count(), events: await t.db.prisma.callEvent.count() }).toEqual(before);
  });

  it.each(['answered-with-acw', 'answered-with-acw-pascal-case', 'answered-acw-skipped'])(
    'COMPLETED keeps the agent\'s after-contact work on the call (fixture %s), first or last, however often delivered',
    async (name) => {
      const f = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../fixtures/connect/contact-events', `${name}.json`), 'utf8')) as {
        events: Array<{ detail: Record<string, unknown> }>;
        expect: { talkSeconds: number; wrapUp: { startedAt: string; endedAt: string } | null };
      };
      const completed = f.events.find((e) => (e.detail.eventType ?? e.detail.EventType) === 'COMPLETED')!;
      for (const e of [completed, ...f.events, completed]) await t.connect.contactEvent(e);

      const contactId = (completed.detail.contactId ?? completed.detail.ContactId) as string;
      const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });
      const events = await t.db.prisma.callEvent.findMany({ where: { callId: call.id } });
      const stored = events.filter((e) => e.key === 'connect:COMPLETED');
      expect(stored).toHaveLength(1);
      expect(stored[0]!.data).toEqual({
        queue: expect.any(String),
        ...(f.expect.wrapUp ? { wrapUpStartedAt: f.expect.wrapUp.startedAt, wrapUpEndedAt: f.expect.wrapUp.endedAt } : {}),
      });
      // The call ended when the caller hung up, not when the work after it did.
      expect(call.endedAt!.getTime() - events.find((e) => e.key === 'connect:CONNECTED_TO_AGENT')!.at.getTime()).toBe(f.expect.talkSeconds * 1000);
    },
  );

  it('a COMPLETED with no disconnect time, first of its contact, ends the call when the after-contact work began', async () => {
    const contactId = newContactId();
    await t.connect.contactEvent(
      contactEvent('COMPLETED', contactId, { agentInfo: { agentArn: agentArn(1), afterContactWorkEndTimestamp: at(190), afterContactWorkDuration: 30 } }),
    );
    const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });
    expect(call.endedAt).toEqual(new Date(at(160)));
    expect((await t.db.prisma.callEvent.findUniqueOrThrow({ where: { callId_key: { callId: call.id, key: 'connect:COMPLETED' } } })).data).toEqual({ wrapUpStartedAt: at(160), wrapUpEndedAt: at(190) });
  });
});
