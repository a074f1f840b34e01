import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

// GET /api/supervisor/live: what the console polls where it has no socket (serverless).

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url });
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  // Known and English: the IVR skips its language menu and presses on to the main menu.
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
});
afterAll(async () => {
  await t.close();
  await twilioApi.close();
});

const live = (role?: 'agent' | 'supervisor' | 'admin') => {
  const req = request(t.app).get('/api/supervisor/live');
  return role ? req.set('Authorization', `Bearer ${t.token(role, `${role}-1`)}`) : req;
};

describe('GET /api/supervisor/live', () => {
  it('is for supervisors and admins only', async () => {
    expect((await live().expect(401)).body.error.code).toBe('UNAUTHORIZED');
    expect((await live('agent').expect(403)).body.error.code).toBe('FORBIDDEN');
    await live('admin').expect(200);
  });

  it('answers the socket\'s opening messages read now, with no socket open anywhere: a waiting caller, then a long-wait alert, then its clearing', async () => {
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    expect((await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200)).text).toContain('<Enqueue');

    const first = await live('supervisor').expect(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const [hello, alerts, stats] = first.body.messages;
    expect(hello).toEqual({ type: 'hello', user: { id: 'supervisor-1', role: 'supervisor' }, serverTime: t.clock.now.toISOString(), timeZone: 'Asia/Riyadh', policy: expect.objectContaining({ longWaitSeconds: 120 }) });
    expect(alerts).toEqual({ type: 'alerts', items: [] });
    const realtime = (await request(t.app).get('/api/analytics/realtime').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200)).body;
    expect(stats.type).toBe('stats');
    expect(stats.queues.map((q: { queue: string; waiting: number }) => [q.queue, q.waiting])).toEqual(realtime.queues.map((q: { queue: string; waiting: number }) => [q.queue, q.waiting]));
    expect(stats.queues.find((q: { queue: string }) => q.queue === 'support')).toMatchObject({ waiting: 1, oldestEnqueuedAt: t.clock.now.toISOString() });

    t.clock.now = new Date(t.clock.now.getTime() + 125_000);
    const later = (await live('supervisor').expect(200)).body.messages[1];
    expect(later.items).toEqual([expect.objectContaining({ kind: 'long_wait', queue: 'support' })]);

    await postTwilio(t.app, '/webhooks/twilio/status', { ...p, CallStatus: 'completed', CallDuration: '130' }).expect(204);
    const cleared = (await live('supervisor').expect(200)).body.messages;
    expect(cleared[1].items.filter((a: { kind: string }) => a.kind === 'long_wait')).toEqual([]);
    expect(cleared[2].queues.find((q: { queue: string }) => q.queue === 'support').waiting).toBe(0);
  });
});
