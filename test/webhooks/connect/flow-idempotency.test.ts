import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEvent } from './connect-events.js';
import { createConnectTestApp, type ConnectTestApp } from './connect-test-app.js';

let t: ConnectTestApp;
let seq = 0;
const newContactId = () => `${(++seq).toString(16).padStart(8, 'a')}-2222-4333-8444-555566667777`;

const counts = async () => ({
  calls: await t.db.prisma.call.count(),
  events: await t.db.prisma.callEvent.count(),
  interactions: await t.db.prisma.interaction.count(),
});

beforeAll(async () => {
  t = await createConnectTestApp();
});
afterAll(() => t.close());

describe('Connect flow: every action is idempotent by ContactId and action (Connect retries)', () => {
  it('the same lookup, route and log three times: the same answers, one call, one route, one note', async () => {
    const contactId = newContactId();
    for (const [action, params] of [
      ['lookup', {}],
      ['route', { queue: 'billing', intent: 'billing' }],
      ['log', { summary: 'Asked about her bill' }],
    ] as const) {
      const first = await t.connect.flow(flowEvent(contactId, action, params));
      const after = await counts();
      for (let i = 0; i < 2; i++) expect(await t.connect.flow(flowEvent(contactId, action, params))).toEqual(first);
      expect(await counts(), `${action} repeated wrote again`).toEqual(after);
    }
    const call = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: contactId } } });
    expect(await t.db.prisma.callEvent.findMany({ where: { callId: call.id }, select: { key: true }, orderBy: { key: 'asc' } })).toEqual([{ key: 'flow:lookup' }, { key: 'flow:route' }]);
    expect(await t.db.prisma.interaction.count({ where: { OR: [{ callId: call.id }, { idempotencyKey: `connect:flow-log:${contactId}` }] } })).toBe(2);
  });

  it('a route retried after the rules changed answers what the caller was first told', async () => {
    const contactId = newContactId();
    const first = await t.connect.flow(flowEvent(contactId, 'route', {}, '+966509991100'));
    expect(first).toMatchObject({ queue: 'general', priority: '10' });
    const { version } = await t.services.rules.publish({ rules: [], default: { queue: 'support', priority: 5 } }, { by: 'test' });
    expect(await t.connect.flow(flowEvent(newContactId(), 'route', {}, '+966509991101'))).toMatchObject({ queue: 'support' });
    expect(await t.connect.flow(flowEvent(contactId, 'route', {}, '+966509991100'))).toEqual(first);
    await t.services.rules.rollback(version - 1, { by: 'test' });
  });

  it('a wrong PIN retried three times counts as one wrong try; the next try (attempt=2) is a new one', async () => {
    const contactId = newContactId();
    const wrong = flowEvent(contactId, 'pin', { pin: '1111', attempt: '1' }, '+966551112233');
    for (let i = 0; i < 3; i++) expect(await t.connect.flow(wrong)).toMatchObject({ verification: 'failed' });
    expect(await t.db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'c-omar' } })).toMatchObject({ failedAttempts: 1, lockedUntil: null });
    expect(await t.connect.flow(flowEvent(contactId, 'pin', { pin: '9876', attempt: '2' }, '+966551112233'))).toMatchObject({ verification: 'verified' });
    expect(await t.db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'c-omar' } })).toMatchObject({ failedAttempts: 0 });
  });

  it('three concurrent deliveries of a new contact: one call, one timeline entry, one answer', async () => {
    const contactId = newContactId();
    const answers = await Promise.all([0, 1, 2].map(() => t.connect.flow(flowEvent(contactId, 'lookup'))));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    const calls = await t.db.prisma.call.findMany({ where: { providerCallId: contactId } });
    expect(calls).toHaveLength(1);
    expect(await t.db.prisma.interaction.count({ where: { callId: calls[0]!.id } })).toBe(1);
    expect(await t.db.prisma.callEvent.count({ where: { callId: calls[0]!.id } })).toBe(1);
  });
});
