import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
});
afterAll(() => t.close());

const params = () => ({ CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' });
const rows = async (callSid: string) => {
  const calls = await t.db.prisma.call.findMany({ where: { providerCallId: callSid }, include: { steps: true } });
  const interactions = await t.db.prisma.interaction.findMany({ where: { callId: { in: calls.map((c) => c.id) } } });
  return { calls, interactions };
};

describe('webhooks delivered more than once or out of order', () => {
  it('answers the same voice webhook three times identically and stores one call and one timeline entry', async () => {
    const p = params();
    const answers = await Promise.all([1, 2, 3].map(() => postTwilio(t.app, '/webhooks/twilio/voice', p)));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const { calls, interactions } = await rows(p.CallSid);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.steps).toHaveLength(1);
    expect(interactions).toHaveLength(1);
  });

  it('answers a voice webhook retried one after the other with its first answer, storing nothing more', async () => {
    const p = params();
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    expect(first.text).toContain('Omar');
    for (let i = 0; i < 2; i++) expect((await postTwilio(t.app, '/webhooks/twilio/voice', p)).text).toBe(first.text);
    const { calls, interactions } = await rows(p.CallSid);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.steps).toHaveLength(1);
    expect(interactions).toHaveLength(1);
  });

  it('tells a start that arrives after the call ended to hang up, and every repeat of it the same', async () => {
    const p = params();
    expect((await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '3' })).status).toBe(204);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await postTwilio(t.app, '/webhooks/twilio/voice', p));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.text).toContain('<Hangup/>');
      expect(a.text).not.toContain('Omar');
    }
    const { calls, interactions } = await rows(p.CallSid);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 'completed', durationSeconds: 3, customerId: 'c-omar' });
    expect(calls[0]!.steps.length).toBeLessThanOrEqual(1);
    expect(interactions).toHaveLength(1);
    expect(interactions[0]!.summary).toContain('completed after 3s');
  });

  it('advances the IVR once when the same gather is delivered three times', async () => {
    const p = params();
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    expect(answers[0]!.text).toMatch(/<Enqueue[^>]*>support<\/Enqueue>/);
    const { calls } = await rows(p.CallSid);
    expect(calls[0]!.steps.map((s) => s.seq).sort()).toEqual([0, 1]);
    expect(calls[0]!.queue).toBe('support');
  });

  it('keeps the end of the call when the status callback arrives before the last gather', async () => {
    const p = params();
    await postTwilio(t.app, '/webhooks/twilio/voice', p);
    for (let i = 0; i < 3; i++) {
      expect((await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '12' })).status).toBe(204);
    }
    const late = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '3' });
    expect(late.status).toBe(200);
    const { calls, interactions } = await rows(p.CallSid);
    expect(calls[0]).toMatchObject({ status: 'completed', durationSeconds: 12, endStatus: 'completed', queue: 'sales' });
    expect(calls[0]!.steps).toHaveLength(2);
    expect(interactions).toHaveLength(1);
    expect(interactions[0]!.summary).toContain('completed after 12s');
  });

  it('finishes a call on the IVR version it started with after a new version is published', async () => {
    const p = params();
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    expect(first.text).toContain('For billing, press 1');
    const { demoFlowDefinition } = await import('../../../src/ivr/demo-flow.js');
    const changed = structuredClone(demoFlowDefinition) as { nodes: Record<string, { prompt?: { en: string } }> };
    changed.nodes.q_sales!.prompt!.en = 'Sales has moved.';
    await t.services.flows.publish('main', changed, { comment: 'new sales prompt' });
    const next = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '3' });
    expect(next.text).toContain('Connecting you to sales.');
    const fresh = params();
    const second = await postTwilio(t.app, '/webhooks/twilio/voice', fresh);
    const moved = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...fresh, Digits: '3' });
    expect(second.status).toBe(200);
    expect(moved.text).toContain('Sales has moved.');
  });
});
