import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqsTimers } from '../../src/serverless/sqs-timers.js';
import { consumeTimerMessages } from '../../src/serverless/timer-consumer.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, OPEN_HOURS, postTwilio, type TestApp } from '../helpers/test-app.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.me-south-1.amazonaws.com/123456789012/cc-screenpop-prod-routing-timers';
const clock = { now: OPEN_HOURS };
const timers = createSqsTimers({ sqs: new SQSClient({ region: 'me-south-1' }), queueUrl: QUEUE, now: () => clock.now });
const at = (seconds: number) => new Date(OPEN_HOURS.getTime() + seconds * 1000);
const sent = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  clock.now = OPEN_HOURS;
});

describe('routing deadlines as SQS delay messages', () => {
  it('sends a wake-up delayed until the deadline, rounded up to the second', async () => {
    await timers.wakeAt(new Date(OPEN_HOURS.getTime() + 14_200), 'offer_timeout', 'res-1');
    expect(sent()).toEqual([
      { QueueUrl: QUEUE, MessageBody: JSON.stringify({ kind: 'wake', reason: 'offer_timeout', ref: 'res-1', due: '2026-11-29T07:00:14.200Z' }), DelaySeconds: 15 },
    ]);
  });

  it('caps the delay at SQS’s 15 minutes and never asks for a negative one', async () => {
    await timers.wakeAt(at(3600), 'escalation', 'entry-1');
    await timers.wakeAt(at(-5), 'wrap_up', 'agent-sara');
    expect(sent().map((m) => m.DelaySeconds)).toEqual([900, 0]);
  });

  it('greets a new softphone connection at once', async () => {
    await timers.greetLater('conn-1');
    expect(sent()).toEqual([{ QueueUrl: QUEUE, MessageBody: JSON.stringify({ kind: 'greet', connectionId: 'conn-1' }), DelaySeconds: 0 }]);
  });
});

describe('the timer queue’s consumer', () => {
  const record = (messageId: string, body: unknown) => ({ messageId, body: typeof body === 'string' ? body : JSON.stringify(body) }) as SQSEvent['Records'][number];
  const wake = (due: Date) => ({ kind: 'wake', reason: 'offer_timeout', ref: 'res-1', due: due.toISOString() });

  it('runs one routing tick for a batch of due wake-ups, greets, drops what is not a timer message', async () => {
    const tick = vi.fn(async () => {});
    const greet = vi.fn(async () => {});
    const res = await consumeTimerMessages(
      { tick, timers, greet, now: () => clock.now, logger: pino({ level: 'silent' }) },
      { Records: [record('a', wake(at(0))), record('b', wake(at(-30))), record('c', { kind: 'greet', connectionId: 'conn-9' }), record('d', 'not json'), record('e', { kind: 'wake', reason: 'coffee' })] },
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(tick).toHaveBeenCalledTimes(1);
    expect(greet).toHaveBeenCalledWith('conn-9');
    expect(sent()).toEqual([]);
  });

  it('sends a wake-up that arrived early (a deadline past 15 minutes) again for the time left', async () => {
    const tick = vi.fn(async () => {});
    await consumeTimerMessages({ tick, timers, greet: async () => {}, now: () => clock.now, logger: pino({ level: 'silent' }) }, { Records: [record('a', wake(at(1200)))] });
    expect(tick).not.toHaveBeenCalled();
    expect(sent()).toEqual([{ QueueUrl: QUEUE, MessageBody: JSON.stringify(wake(at(1200))), DelaySeconds: 900 }]);
  });

  it('reports the due wake-ups as failed when the tick fails, so SQS delivers them again', async () => {
    const res = await consumeTimerMessages(
      { tick: async () => Promise.reject(new Error('database away')), timers, greet: async () => {}, now: () => clock.now, logger: pino({ level: 'silent' }) },
      { Records: [record('a', wake(at(0))), record('b', { kind: 'greet', connectionId: 'conn-1' })] },
    );
    expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }] });
  });
});

describe('routing asks for its wake-ups (Lambda mode)', () => {
  let t: TestApp;
  let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
  beforeAll(async () => {
    twilioApi = await startFakeTwilioApi();
    t = await createTestApp({ timers, twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 20_000 } });
    await t.services.rules.addQueue('support', {});
    await t.services.rules.addQueue('general', {});
    await t.services.rules.publish({ rules: [{ name: 'support', when: "ivr.intent == 'support'", queue: 'support', priority: 20, steps: [{ afterSeconds: 45, skills: {} }, { afterSeconds: 1200, queue: 'general' }] }], default: { queue: 'general', priority: 10 } }, { by: 'test' });
    await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
    await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { support: 2 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara', wrapUpSeconds: 40 });
  });
  afterAll(async () => {
    await t.close();
    await twilioApi.close();
  });

  it('an escalation step per rule step, the offer’s timeout, and the end of the agent’s wrap-up', async () => {
    t.clock.now = OPEN_HOURS;
    clock.now = OPEN_HOURS;
    await t.services.presence.setStatus('agent-sara', { status: 'available' }, 'test');
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
    expect(queued.text).toContain('<Enqueue');
    await t.services.routing.idle();
    const entry = await t.db.prisma.queueEntry.findFirstOrThrow();
    const reservation = await t.db.prisma.reservation.findFirstOrThrow({ where: { entryId: entry.id } });
    const wakes = sent().map((m) => ({ ...JSON.parse(m.MessageBody!), delay: m.DelaySeconds, queue: m.QueueUrl }));
    expect(wakes).toEqual([
      { kind: 'wake', reason: 'escalation', ref: entry.id, due: at(45).toISOString(), delay: 45, queue: QUEUE },
      { kind: 'wake', reason: 'escalation', ref: entry.id, due: at(1200).toISOString(), delay: 900, queue: QUEUE },
      { kind: 'wake', reason: 'offer_timeout', ref: reservation.id, due: at(20).toISOString(), delay: 20, queue: QUEUE },
    ]);

    sqs.resetHistory();
    await t.services.routing.accept(reservation.id, 'agent-sara');
    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '30' }).expect((res) => expect(res.status).toBeLessThan(300));
    await t.services.routing.idle();
    expect(sent().map((m) => JSON.parse(m.MessageBody!))).toContainEqual({ kind: 'wake', reason: 'wrap_up', ref: 'agent-sara', due: at(40).toISOString() });
  });
});
