import { StartOutboundVoiceContactCommand } from '@aws-sdk/client-connect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { flowEvent } from './connect-events.js';
import { CONNECT_QUEUES, createConnectTestApp, INSTANCE_ID, queueArn, type ConnectTestApp } from './connect-test-app.js';

const CALLBACK_FLOW_ID = '7e1f0a9c-3b2d-4c5e-8f60-718293a4b5c6';
let seq = 0;
const newContactId = () => `${(++seq).toString(16).padStart(8, 'c')}-2222-4333-8444-555566667777`;

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });

/** The contact flow: route (offers the callback), then the caller presses 1 and the flow routes again with callback=accept. */
async function offerThenAccept(t: ConnectTestApp, contactId: string, from?: string, route: Record<string, string> = {}) {
  const offered = await t.connect.flow(flowEvent(contactId, 'route', route, from));
  const accepted = await t.connect.flow(flowEvent(contactId, 'route', { callback: 'accept', ...route }, from));
  return { offered, accepted };
}

const startCalls = (t: ConnectTestApp) => t.connectMock.commandCalls(StartOutboundVoiceContactCommand).map((c) => c.args[0].input);
const callOf = (t: ConnectTestApp, contactId: string) => t.db.prisma.call.findFirstOrThrow({ where: { provider: 'connect', providerCallId: contactId } });
const callbackEvents = async (t: ConnectTestApp, contactId: string) => t.db.prisma.callEvent.findMany({ where: { callId: (await callOf(t, contactId)).id, key: 'flow:callback' } });

async function publishRules(t: ConnectTestApp) {
  // A callback offered to anyone with the intent "callback", so an anonymous caller is offered one too.
  await t.services.rules.publish(
    {
      rules: [
        { name: 'vip', when: 'customer.accountValue >= 100000.0', queue: 'priority', priority: 90, steps: [{ afterSeconds: 120, queue: 'general', offerCallback: true }] },
        { name: 'asks-callback', when: 'ivr.intent == "callback"', queue: 'support', priority: 20, steps: [{ afterSeconds: 60, queue: 'general', offerCallback: true }] },
      ],
      default: { queue: 'general', priority: 10 },
    },
    { by: 'test' },
  );
}

describe('Connect callbacks: a caller who accepts the offered callback is dialled back by Connect', () => {
  let t: ConnectTestApp;
  beforeAll(async () => {
    t = await createConnectTestApp({ callbackFlowId: CALLBACK_FLOW_ID });
    await publishRules(t);
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.connectMock.on(StartOutboundVoiceContactCommand).resolves({ ContactId: 'bbbbbbbb-0000-4000-8000-000000000001' });
    t.connectMock.resetHistory();
  });

  it('StartOutboundVoiceContact dials the caller into the routed queue with the callback flow, and the flow is told to say goodbye', async () => {
    const contactId = newContactId();
    const { offered, accepted } = await offerThenAccept(t, contactId);
    expect(offered).toMatchObject({ queue: 'priority', callbackOffered: 'true', degraded: 'false' });
    expect(accepted).toMatchObject({ queue: 'priority', queueArn: queueArn(3), callbackOffered: 'true', degraded: 'false', language: 'ar', known: 'true' });
    const call = await callOf(t, contactId);
    expect(startCalls(t)).toEqual([
      {
        InstanceId: INSTANCE_ID,
        ContactFlowId: CALLBACK_FLOW_ID,
        DestinationPhoneNumber: '+966501234567',
        QueueId: CONNECT_QUEUES[2]!.Id,
        Attributes: { ccCallbackFor: contactId, ccCallId: call.id, ccCustomerId: 'c-noura', ccQueue: 'priority', ccQueueArn: queueArn(3), language: 'ar' },
        ClientToken: `callback-${contactId}`,
      },
    ]);
    // On the call's timeline: the callback and Connect's id of the outbound call.
    const events = await callbackEvents(t, contactId);
    expect(events.map((e) => ({ type: e.type, data: e.data }))).toEqual([{ type: 'flow_callback', data: { queue: 'priority', outboundCallId: 'bbbbbbbb-0000-4000-8000-000000000001' } }]);
  });

  it('the same accept three times (Connect retrying): one call placed, the same answer each time, one timeline event', async () => {
    const contactId = newContactId();
    await t.connect.flow(flowEvent(contactId, 'route'));
    const accept = flowEvent(contactId, 'route', { callback: 'accept' });
    const answers = [await t.connect.flow(accept), await t.connect.flow(accept), await t.connect.flow(accept)];
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ callbackOffered: 'true', degraded: 'false' });
    expect(startCalls(t)).toHaveLength(1);
    expect(await callbackEvents(t, contactId)).toHaveLength(1);
  });

  it('three accepts at once (a retry while the first is still working): every request carries the same ClientToken, so Connect places one call', async () => {
    const contactId = newContactId();
    await t.connect.flow(flowEvent(contactId, 'route'));
    const accept = flowEvent(contactId, 'route', { callback: 'accept' });
    const answers = await Promise.all([t.connect.flow(accept), t.connect.flow(accept), t.connect.flow(accept)]);
    expect(answers.every((a) => a.callbackOffered === 'true')).toBe(true);
    const tokens = startCalls(t).map((i) => i.ClientToken);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    expect(new Set(tokens)).toEqual(new Set([`callback-${contactId}`]));
    expect(await callbackEvents(t, contactId)).toHaveLength(1);
  });

  it('an anonymous caller is offered no call back: nothing is dialled and the flow keeps them in line', async () => {
    const contactId = newContactId();
    const { offered, accepted } = await offerThenAccept(t, contactId, 'anonymous', { intent: 'callback' });
    expect(offered).toMatchObject({ queue: 'support', callbackOffered: 'true' });
    expect(accepted).toMatchObject({ queue: 'support', known: 'false', callbackOffered: 'false', degraded: 'false' });
    expect(startCalls(t)).toEqual([]);
    expect(await callbackEvents(t, contactId)).toEqual([]);
  });

  it('a flow asking for a callback its route did not offer gets none', async () => {
    const contactId = newContactId();
    const { offered, accepted } = await offerThenAccept(t, contactId, '+966551112233');
    expect(offered).toMatchObject({ queue: 'general', callbackOffered: 'false' });
    expect(accepted).toMatchObject({ queue: 'general', callbackOffered: 'false', degraded: 'false' });
    expect(startCalls(t)).toEqual([]);
  });

  it('throttled twice, then placed: the answer is "true" and every try carried the same ClientToken', async () => {
    t.connectMock.on(StartOutboundVoiceContactCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ ContactId: 'bbbbbbbb-0000-4000-8000-000000000002' });
    const contactId = newContactId();
    const { accepted } = await offerThenAccept(t, contactId);
    expect(accepted).toMatchObject({ callbackOffered: 'true', degraded: 'false' });
    expect(startCalls(t).map((i) => i.ClientToken)).toEqual([`callback-${contactId}`, `callback-${contactId}`, `callback-${contactId}`]);
  });

  it('Connect refuses the call: the caller stays in line (callbackOffered "false", degraded), nothing recorded, and the next retry places it', async () => {
    t.connectMock.on(StartOutboundVoiceContactCommand).rejectsOnce(Object.assign(new Error('Destination not allowed'), { name: 'DestinationNotAllowedException', $metadata: { httpStatusCode: 403 } }))
      .resolves({ ContactId: 'bbbbbbbb-0000-4000-8000-000000000003' });
    const contactId = newContactId();
    const { accepted } = await offerThenAccept(t, contactId);
    expect(accepted).toMatchObject({ queue: 'priority', callbackOffered: 'false', degraded: 'true' });
    expect(await callbackEvents(t, contactId)).toEqual([]);
    const again = await t.connect.flow(flowEvent(contactId, 'route', { callback: 'accept' }));
    expect(again).toMatchObject({ callbackOffered: 'true', degraded: 'false' });
    expect(startCalls(t).map((i) => i.ClientToken)).toEqual([`callback-${contactId}`, `callback-${contactId}`]);
  });

  it('a callback parameter is refused on any other action, and any value but "accept", naming the field (the Error branch)', async () => {
    const contactId = newContactId();
    await expect(t.connect.flow(flowEvent(contactId, 'lookup', { callback: 'accept' }))).rejects.toThrow(/callback: only for the route action/);
    await expect(t.connect.flow(flowEvent(contactId, 'route', { callback: 'yes' }))).rejects.toThrow(/callback: must be "accept"/);
    expect(await t.db.prisma.call.count({ where: { providerCallId: contactId } })).toBe(0);
    expect(startCalls(t)).toEqual([]);
  });
});

describe('Connect callbacks: throttled past the answer budget', () => {
  let t: ConnectTestApp;
  beforeAll(async () => {
    // The production budget: Connect waits 3 s, the adapter's five tries would take longer.
    t = await createConnectTestApp({ callbackFlowId: CALLBACK_FLOW_ID, answerBudgetMs: 1500 });
  });
  afterAll(() => t.close());

  it('the flow gets an answer, not an error: callbackOffered "false", degraded, and the retries stop', async () => {
    // Each try takes Connect 400 ms to refuse: five tries cannot fit in the budget, whatever the backoff's jitter.
    t.connectMock.on(StartOutboundVoiceContactCommand).callsFake(async () => {
      await new Promise((r) => setTimeout(r, 400));
      throw throttled();
    });
    const contactId = newContactId();
    const { accepted } = await offerThenAccept(t, contactId);
    expect(accepted).toMatchObject({ callbackOffered: 'false', degraded: 'true' });
    const tries = startCalls(t).length;
    expect(tries).toBeGreaterThanOrEqual(1);
    // Nothing keeps dialling after the flow was told "no callback".
    await new Promise((r) => setTimeout(r, 2500));
    expect(startCalls(t).length).toBe(tries);
    expect(tries).toBeLessThan(5);
    expect(await callbackEvents(t, contactId)).toEqual([]);
  });
});

describe('Connect callbacks: CONNECT_CALLBACK_FLOW_ID not set', () => {
  let t: ConnectTestApp;
  beforeAll(async () => {
    t = await createConnectTestApp();
  });
  afterAll(() => t.close());

  it('no call is placed and the flow keeps the caller in line', async () => {
    const contactId = newContactId();
    const { offered, accepted } = await offerThenAccept(t, contactId);
    expect(offered).toMatchObject({ callbackOffered: 'true' });
    expect(accepted).toMatchObject({ queue: 'priority', callbackOffered: 'false', degraded: 'false' });
    expect(startCalls(t)).toEqual([]);
  });
});
