import WebSocket from 'ws';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { SUPERVISOR_MAX_FRAME_BYTES } from '../../src/realtime/supervisor-hub.js';
import { startHttpServer } from '../../src/server-http.js';
import { SUPERVISOR_ALERT_CHANNEL } from '../../src/supervisor/alert-events.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { manualTimers } from '../helpers/manual-timers.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

const timers = manualTimers();
let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;

/** The demo flow with one more option on a free digit: "I am in crisis", intent `crisis`, to the crisis team. */
const flow = structuredClone(demoFlowDefinition) as unknown as { nodes: Record<string, any> };
const crisisDigit = ['5', '6', '7', '8', '9'].find((d) => !flow.nodes.main.options.some((o: { digit: string }) => o.digit === d))!;
flow.nodes.main.options.push({ digit: crisisDigit, next: 'q_crisis', intent: 'crisis', speech: ['crisis'] });
flow.nodes.q_crisis = { ...flow.nodes.q_general, queue: 'crisis' };

beforeAll(async () => {
  t = await createTestApp({
    supervisor: { timers, policy: { longWaitSeconds: 120, serviceLevelMinCalls: 1, serviceLevelTarget: 0.8, highValueAmount: 100_000, highValueTiers: ['platinum'] } },
  });
  await t.services.flows.publish('main', flow, { comment: 'crisis option' });
  for (const q of ['billing', 'general', 'crisis']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.customers.upsert({ id: 'c-vip', name: 'Noura', phones: ['+966501111111'], language: 'ar', tier: 'gold', accountValue: { amount: 250_000, currency: 'SAR' } });
  await t.services.customers.upsert({ id: 'c-plain', name: 'Ali', phones: ['+966502222222'], language: 'ar', tier: 'standard', accountValue: { amount: 900, currency: 'SAR' } });
  server = await startHttpServer(t);
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const supervisor = (token = t.token('supervisor', 'sup-huda')) => connectAgent(server.url, token, '/ws/supervisor');
const refused = (token: string, path = '/ws/supervisor') =>
  connectAgent(server.url, token, path).then(
    async (s) => {
      await s.close();
      return 0;
    },
    (err: { statusCode?: number }) => err.statusCode,
  );
const stats = (s: AgentSocket) => s.received.filter((m) => m.type === 'stats');
const queueIn = (m: Record<string, any>, name: string) => (m.queues as Array<Record<string, any>>).find((q) => q.queue === name);

/** Lets bus messages and the reads they start settle; proves nothing by itself. */
const settle = () => new Promise((r) => setTimeout(r, 30));

/** An unknown caller picks Arabic, presses `digits` in the demo IVR and ends up waiting in a queue (no agent is available). */
async function queuedCall(digits: string[]): Promise<string> {
  const p = { CallSid: newCallSid(), From: '0501234567', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  let seq = 1;
  let last = '';
  for (const d of digits) last = (await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq++}`, { ...p, Digits: d }).expect(200)).text;
  expect(last).toContain('</Enqueue>');
  return p.CallSid;
}

describe('GET /ws/supervisor: who may connect', () => {
  it('refuses no token and a bad token (401), an agent (403); admits supervisors and admins, by header or ?token=', async () => {
    expect(await refused('')).toBe(401);
    expect(await refused('not-a-jwt')).toBe(401);
    expect(await refused(t.token('agent', 'sara'))).toBe(403);
    const admin = await connectAgent(server.url, '', `/ws/supervisor?token=${encodeURIComponent(t.token('admin', 'root'))}`);
    expect(await admin.next((m) => m.type === 'hello')).toMatchObject({ user: { id: 'root', role: 'admin' }, timeZone: 'Asia/Riyadh', policy: { longWaitSeconds: 120 } });
    const metrics = await request(t.app).get('/metrics').expect(200);
    expect(metrics.text).toContain('cc_websocket_connections{kind="supervisor"} 1');
    await admin.close();
    // The hub's path is another's: the supervisor's token does not open an agent's softphone.
    expect(await refused(t.token('supervisor'), '/ws/agent')).toBe(403);
  });
});

describe('live numbers', () => {
  it('pushes the queue after a call is queued, and coalesces a burst of changes into one push a second at most', async () => {
    const s = await supervisor();
    await s.next((m) => m.type === 'hello');
    await s.next((m) => m.type === 'alerts');
    timers.advance(0);
    const first = await s.next((m) => m.type === 'stats');
    expect(queueIn(first, 'billing')).toMatchObject({ waiting: 0, oldestEnqueuedAt: null });
    expect(first.agents.byState).toMatchObject({ offline: 1 });
    expect(first.agents.list).toEqual([expect.objectContaining({ id: 'sara', name: 'Sara', state: 'offline', call: null })]);

    const sid = await queuedCall(['1', '1', '12345678']);
    // The enqueue is on the bus; the refresh waits for the throttle's second to pass.
    await expect.poll(() => timers.pending().some((ms) => ms > 0 && ms <= 1000)).toBe(true);
    timers.advance(1000);
    const second = await s.next((m) => m.type === 'stats' && queueIn(m, 'billing')?.waiting === 1);
    const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: sid } });
    const entry = await t.db.prisma.queueEntry.findUniqueOrThrow({ where: { callId: call.id } });
    expect(queueIn(second, 'billing')).toMatchObject({ waiting: 1, oldestEnqueuedAt: entry.enqueuedAt.toISOString() });

    // Five presence changes within the second after a push: no read, no push until the second is over, then one.
    const runs = t.services.supervisor.refreshes();
    const pushes = stats(s).length;
    // (Never available: Sara would be offered the waiting caller.)
    for (const change of [{ status: 'away', reason: 'lunch' }, { status: 'away', reason: 'break' }, { status: 'offline' }, { status: 'away', reason: 'training' }, { status: 'offline' }]) {
      await request(t.app).put('/api/agents/sara/status').set('Authorization', `Bearer ${t.token('admin')}`).send(change).expect(200);
    }
    await settle();
    expect(t.services.supervisor.refreshes()).toBe(runs);
    expect(stats(s).length).toBe(pushes);
    // One read is due, a full second after the last began; 999 ms later it still has not run.
    expect(timers.pending().filter((ms) => ms <= 1000)).toEqual([1000]);
    timers.advance(999);
    expect(t.services.supervisor.refreshes()).toBe(runs);
    timers.advance(1);
    expect(t.services.supervisor.refreshes()).toBe(runs + 1);
    await expect.poll(() => stats(s).length).toBe(pushes + 1);
    expect(stats(s).at(-1)!.agents.list[0]).toMatchObject({ id: 'sara', state: 'offline' });

    // Nothing changed: the periodic check reads again and sends nothing.
    timers.advance(5000);
    await settle();
    expect(t.services.supervisor.refreshes()).toBeGreaterThan(runs + 1);
    expect(stats(s).length).toBe(pushes + 1);

    // The caller hangs up: that is on the bus too (a read is due within the second, beside the periodic check), and the queue empties.
    expect(timers.pending()).toHaveLength(1);
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: sid, CallStatus: 'completed', CallDuration: '30' }).expect(204);
    await expect.poll(() => timers.pending().length).toBe(2);
    timers.advance(1000);
    await s.next((m) => m.type === 'stats' && queueIn(m, 'billing')?.waiting === 0);
    await s.close();
  });

  it('greets a second supervisor with the numbers already read, without waiting for a change', async () => {
    const a = await supervisor();
    timers.advance(1000);
    await a.next((m) => m.type === 'stats');
    const b = await supervisor();
    const hello = await b.next((m) => m.type === 'stats');
    expect(hello.queues).toEqual(stats(a).at(-1)!.queues);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('alerts', () => {
  it('raises long_wait and crisis_waiting from the queue, once each, clears them when the caller leaves, and service_level once the day falls below target', async () => {
    const s = await supervisor();
    timers.advance(1000);
    await s.next((m) => m.type === 'stats');
    const crisisSid = await queuedCall(['1', crisisDigit]);
    const call = await t.db.prisma.call.findFirstOrThrow({ where: { providerCallId: crisisSid } });
    timers.advance(1000);
    const crisis = await s.next((m) => m.type === 'alert' && m.kind === 'crisis_waiting');
    expect(crisis).toMatchObject({ id: `crisis_waiting:${call.id}`, queue: 'crisis', callId: call.id, intent: 'crisis' });

    // Two minutes pass with nobody free: a long wait.
    t.clock.now = new Date(t.clock.now.getTime() + 121_000);
    timers.advance(5000);
    expect(await s.next((m) => m.type === 'alert' && m.kind === 'long_wait' && m.callId === call.id)).toMatchObject({ callId: call.id, queue: 'crisis', waitSeconds: 121 });

    // Checked again and again: still one of each.
    timers.advance(5000);
    timers.advance(5000);
    await settle();
    for (const kind of ['crisis_waiting', 'long_wait']) expect(s.received.filter((m) => m.type === 'alert' && m.kind === kind)).toHaveLength(1);

    // A supervisor who connects now sees what is listed.
    const late = await supervisor();
    const listed = await late.next((m) => m.type === 'alerts');
    expect((listed.items as Array<{ id: string }>).map((a) => a.id)).toEqual(expect.arrayContaining([`crisis_waiting:${call.id}`, `long_wait:${call.id}`]));
    await late.close();

    // The caller gives up: an abandon after two minutes, and today's service level of the crisis queue is 0 of 1.
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: crisisSid, CallStatus: 'completed', CallDuration: '130' }).expect(204);
    await t.services.analytics.refresh();
    timers.advance(5000);
    await s.next((m) => m.type === 'alert_cleared' && m.id === `long_wait:${call.id}`);
    await s.next((m) => m.type === 'alert_cleared' && m.id === `crisis_waiting:${call.id}`);
    expect(await s.next((m) => m.type === 'alert' && m.kind === 'service_level' && m.queue === 'crisis')).toMatchObject({ serviceLevel: 0, target: 0.8 });
    const { body: realtime } = await request(t.app).get('/api/analytics/realtime').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200);
    expect(realtime.queues.find((q: { queue: string }) => q.queue === 'crisis')).toMatchObject({ serviceLevelToday: 0, offeredToday: 1, abandonedToday: 1 });
    // It stays: the day does not get better by itself.
    timers.advance(5000);
    await settle();
    expect(s.received.some((m) => m.type === 'alert_cleared' && m.id === 'service_level:crisis')).toBe(false);
    await s.close();
  });

  it('passes fraud_suspected from the bus on, once per call', async () => {
    const s = await supervisor();
    await s.next((m) => m.type === 'alerts');
    const event = { type: 'fraud_suspected', at: '2026-11-29T07:05:00.000Z', callId: 'call-fraud-1', queue: 'billing', reason: 'watchlist hit' };
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, event);
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, { ...event, at: '2026-11-29T07:05:02.000Z' });
    // Not an alert: ignored, nothing sent, nothing thrown.
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, { type: 'fraud_suspected', callId: 'x' });
    const alert = await s.next((m) => m.type === 'alert' && m.kind === 'fraud_suspected');
    expect(alert).toMatchObject({ id: 'fraud_suspected:call-fraud-1', callId: 'call-fraud-1', queue: 'billing', reason: 'watchlist hit', at: event.at });
    await settle();
    expect(s.received.filter((m) => m.kind === 'fraud_suspected')).toHaveLength(1);
    await s.close();
  });

  it('passes a survey follow-up from the bus on, once per follow-up', async () => {
    const s = await supervisor();
    await s.next((m) => m.type === 'alerts');
    const followUp = { type: 'survey_follow_up', at: '2026-11-29T07:10:00.000Z', callId: 'call-s1', followUpId: 'fu-1', queue: 'billing', agentId: 'sara', csat: 1, nps: null, reason: 'CSAT 1' };
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, followUp);
    await t.services.bus.publish(SUPERVISOR_ALERT_CHANNEL, followUp);
    expect(await s.next((m) => m.type === 'alert' && m.kind === 'survey_follow_up')).toMatchObject({ id: 'survey_follow_up:fu-1', callId: 'call-s1', queue: 'billing', agentId: 'sara', csat: 1, nps: null });
    await settle();
    expect(s.received.filter((m) => m.kind === 'survey_follow_up')).toHaveLength(1);
    await s.close();
  });

  it('raises negative_sentiment when a high-value customer has a negative interaction, not for others, once per customer', async () => {
    const s = await supervisor();
    await s.next((m) => m.type === 'alerts');
    const post = (body: Record<string, unknown>) => request(t.app).post('/api/interactions').set('Authorization', `Bearer ${t.token('admin')}`).send(body);
    const angry = { channel: 'whatsapp', type: 'message', at: '2026-11-29T06:50:00.000Z', summary: 'Complaint about the bill', text: 'This is terrible, the worst service, I am very angry and disappointed' };
    await post({ ...angry, customerId: 'c-plain', idempotencyKey: 'neg-plain-1' }).expect(201);
    await post({ ...angry, customerId: 'c-vip', summary: 'Praise', text: 'Thank you, excellent and wonderful service', idempotencyKey: 'pos-vip-1' }).expect(201);
    await post({ ...angry, customerId: 'c-vip', idempotencyKey: 'neg-vip-1' }).expect(201);
    await post({ ...angry, customerId: 'c-vip', idempotencyKey: 'neg-vip-2' }).expect(201);
    const alert = await s.next((m) => m.type === 'alert' && m.kind === 'negative_sentiment');
    expect(alert).toMatchObject({ id: 'negative_sentiment:c-vip', customerId: 'c-vip', channel: 'whatsapp', accountValue: { amount: 250_000, currency: 'SAR' } });
    expect(alert.sentimentScore).toBeLessThan(0);
    await settle();
    expect(s.received.filter((m) => m.kind === 'negative_sentiment')).toHaveLength(1);
    await s.close();
  });
});

describe('frames a supervisor page may send', () => {
  const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

  it('answers bad JSON, an unknown message and a binary frame with an error and stays open; refresh asks for a read', async () => {
    const s = await supervisor();
    await s.next((m) => m.type === 'alerts');
    s.send('{not json');
    s.send({ type: 'status', status: 'available' });
    s.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await expect.poll(() => s.received.filter((m) => m.type === 'error' && m.code === 'BAD_MESSAGE').length).toBe(3);
    expect(s.ws.readyState).toBe(WebSocket.OPEN);
    s.send({ type: 'refresh' });
    await expect.poll(() => timers.pending().some((ms) => ms <= 1000)).toBe(true);
    await s.close();
  });

  it(`closes a frame over ${SUPERVISOR_MAX_FRAME_BYTES} bytes (1009) and invalid UTF-8 (1007), and keeps serving`, async () => {
    const big = await supervisor();
    const closedBig = closeCode(big.ws);
    big.send(JSON.stringify({ type: 'refresh', pad: 'x'.repeat(SUPERVISOR_MAX_FRAME_BYTES) }));
    expect(await closedBig).toBe(1009);
    const bad = await supervisor();
    const closedBad = closeCode(bad.ws);
    bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closedBad).toBe(1007);
    const fine = await supervisor();
    expect(await fine.next((m) => m.type === 'hello')).toMatchObject({ type: 'hello' });
    await fine.close();
  });
});
