import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exampleKnownNames } from '../../../src/routing/rules/index.js';
import { ZStatusWebhook } from '../../../webhooks/twilio/schemas.js';
import { createTestApp, postTwilio, type TestApp } from '../../helpers/test-app.js';

// Every file in test/fixtures/twilio/{good,bad} is one request as Twilio sends it (see the
// README there). Adding a case is adding a file: this table picks it up.

const ZParams = z.record(z.string(), z.string());
const ZEndpoint = z.string().regex(/^\/webhooks\/twilio\/[a-z-]+(\?.*)?$/);
const ZFixture = z.strictObject({
  description: z.string().min(1),
  setup: z.array(z.strictObject({ endpoint: ZEndpoint, params: ZParams.optional() })).optional(),
  waitedSeconds: z.number().int().positive().optional(),
  endpoint: ZEndpoint,
  params: ZParams,
  expect: z.strictObject({
    status: z.number().int(),
    contains: z.array(z.string()).optional(),
    notContains: z.array(z.string()).optional(),
    field: z.string().optional(),
  }),
});
type Fixture = z.infer<typeof ZFixture> & { name: string };

const dir = path.resolve(import.meta.dirname, '../../fixtures/twilio');
function load(kind: 'good' | 'bad'): Fixture[] {
  return readdirSync(path.join(dir, kind))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.replace(/\.json$/, ''), ...ZFixture.parse(JSON.parse(readFileSync(path.join(dir, kind, file), 'utf8'))) }));
}
const good = load('good');
const bad = load('bad');

// Parameters Twilio adds to one request only (a gather's answer, the queue's state, a status
// event): a setup step replays the call's own parameters without them.
const ONE_REQUEST_ONLY = new Set([
  'Digits', 'FinishedOnKey', 'msg', 'SpeechResult', 'Confidence',
  'QueuePosition', 'QueueSid', 'QueueTime', 'AvgQueueTime', 'CurrentQueueSize', 'MaxQueueSize',
  'CallDuration', 'Duration', 'Timestamp', 'CallbackSource', 'SequenceNumber', 'SipResponseCode', 'ErrorCode', 'CallToken',
]);
function callParams(f: Fixture, callStatus: string, extra: Record<string, string> = {}): Record<string, string> {
  const own = Object.fromEntries(Object.entries(f.params).filter(([k]) => !ONE_REQUEST_ONLY.has(k)));
  return { ...own, CallStatus: callStatus, ...extra };
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.rules.publish(
    { rules: [{ name: 'support', when: 'call.queue == "support"', queue: 'support', steps: [{ afterSeconds: 60, offerCallback: true }] }], default: { queue: 'general' } },
    { by: 'test' },
  );
});
afterAll(() => t.close());

/** Plays the fixture's earlier webhooks of the same call (same CallSid), each of which must succeed. */
async function arrange(f: Fixture): Promise<void> {
  for (const step of f.setup ?? []) {
    const status = step.endpoint.startsWith('/webhooks/twilio/voice') ? 'ringing' : 'in-progress';
    const res = await postTwilio(t.app, step.endpoint, callParams(f, status, step.params));
    expect(res.status, `setup ${step.endpoint}: ${res.text}`).toBe(200);
  }
}

const counts = async () => ({
  calls: await t.db.prisma.call.count(),
  steps: await t.db.prisma.callStep.count(),
  interactions: await t.db.prisma.interaction.count(),
  queueEntries: await t.db.prisma.queueEntry.count(),
});

describe('Twilio fixtures: good', () => {
  it.each(good)('$name: answered as Twilio expects', async (f) => {
    await arrange(f);
    const started = t.clock.now;
    if (f.waitedSeconds) t.clock.now = new Date(started.getTime() + f.waitedSeconds * 1000);
    try {
      const res = await postTwilio(t.app, f.endpoint, f.params);
      expect(res.status, res.text).toBe(f.expect.status);
      if (res.status === 200) {
        expect(res.type).toBe('text/xml');
        expect(res.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response>[\s\S]*<\/Response>$/);
      } else {
        expect(res.text).toBe('');
      }
      for (const s of f.expect.contains ?? []) expect(res.text).toContain(s);
      for (const s of f.expect.notContains ?? []) expect(res.text).not.toContain(s);
    } finally {
      t.clock.now = started;
      // The caller hangs up, so the next fixture finds nobody of this one's in line.
      if (f.params.Direction === 'inbound' && f.params.CallSid) {
        await postTwilio(t.app, '/webhooks/twilio/status', callParams(f, 'completed', { CallDuration: '60' })).expect(204);
      }
    }
  });

  it('include every call status the status webhook accepts', () => {
    const reported = new Set(good.filter((f) => f.endpoint.startsWith('/webhooks/twilio/status')).map((f) => f.params.CallStatus));
    expect([...reported].sort()).toEqual([...ZStatusWebhook.shape.CallStatus.options].sort());
  });
});

describe('Twilio fixtures: bad', () => {
  it.each(bad)('$name: refused with a 4xx, nothing written', async (f) => {
    expect(f.expect.status).toBeGreaterThanOrEqual(400);
    expect(f.expect.status).toBeLessThan(500);
    await arrange(f);
    const before = await counts();
    const res = await postTwilio(t.app, f.endpoint, f.params);
    expect(res.status, res.text).toBe(f.expect.status);
    expect(res.body.error.code).toEqual(expect.any(String));
    if (f.expect.field) expect(res.body.error.message.startsWith(`${f.expect.field}: `), res.body.error.message).toBe(true);
    expect(await counts()).toEqual(before);
  });
});
