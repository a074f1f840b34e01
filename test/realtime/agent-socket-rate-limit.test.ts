/**
 * One agent's socket must not be able to slow down everyone else: frames are limited per
 * socket and per agent (DEFAULT_FRAME_LIMITS), a refused frame is answered RATE_LIMITED and
 * not handled, and a socket that keeps flooding is closed with 1008.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FRAME_LIMITS as L } from '../../src/realtime/frame-limiter.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
const open: AgentSocket[] = [];

beforeAll(async () => {
  t = await createTestApp();
  server = await startHttpServer(t);
  for (const id of ['noor', 'faisal', 'rami', 'lina', 'huda']) {
    await t.services.agents.upsert(id, { name: id, skills: { support: 1 }, languages: ['ar', 'en'], twilioIdentity: `client-${id}` });
  }
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await server.close();
  await t.close();
});

async function tab(agentId: string) {
  const s = await connectAgent(server.url, t.token('agent', agentId));
  open.push(s);
  await s.next((m) => m.type === 'hello');
  return s;
}

const rateLimited = (s: AgentSocket) => s.received.filter((m) => m.type === 'error' && m.code === 'RATE_LIMITED');
const statusResults = (s: AgentSocket) => s.received.filter((m) => m.type === 'result' && m.for === 'status');
const stateEvents = (agentId: string) => t.db.prisma.agentStateEvent.count({ where: { agentId } });

/**
 * The most frames the limits let through in a spell of `ms`: the steady rate for every
 * one-second window the spell touches, plus the burst allowance for every ten seconds.
 */
const mostAdmitted = (perSecond: number, burst: number, ms: number) => perSecond * Math.max(1, Math.ceil(ms / 1000)) + (burst - perSecond) * Math.max(1, Math.ceil(ms / 10_000));

describe('frame limits on the agent socket', () => {
  it('answers a flood of status frames with RATE_LIMITED, writes no more state events than the limit admits, and leaves everyone else served', async () => {
    const flooder = await tab('noor');
    const otherTab = await tab('noor');
    const otherAgent = await tab('faisal');
    const N = 300;
    const started = Date.now();
    // Alternating, so every frame that gets through is a real change and would be written.
    for (let i = 0; i < N; i++) flooder.send(i % 2 === 0 ? { type: 'status', status: 'available' } : { type: 'status', status: 'away', reason: 'flood' });

    // Meanwhile a caller rings: the IVR answers (its first menu), not the fallback.
    const p = { CallSid: newCallSid(), From: '+966501234567', To: '+966920000000' };
    const voice = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    expect(voice.status).toBe(200);
    expect(voice.text).toMatch(/<Response>.*<Gather/s);
    expect(voice.text).not.toContain('<Enqueue');
    // Another agent, and the same agent's other tab, are served as usual.
    otherAgent.send({ type: 'status', status: 'available' });
    expect(await otherAgent.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'available' });

    // Every frame is answered: handled (a result) or refused.
    await expect.poll(() => statusResults(flooder).length + rateLimited(flooder).length, { timeout: 20_000 }).toBe(N);
    const elapsed = Date.now() - started;
    const admitted = statusResults(flooder).length;
    expect(admitted).toBeGreaterThanOrEqual(L.socketBurst);
    expect(admitted).toBeLessThanOrEqual(mostAdmitted(L.socketPerSecond, L.socketBurst, elapsed));
    expect(statusResults(flooder).every((m) => m.ok === true)).toBe(true);
    for (const e of rateLimited(flooder)) expect(e.retryAfterMs).toSatisfy((ms: number) => Number.isInteger(ms) && ms > 0 && ms <= 10_000);
    // Refused frames were not handled: nothing written for them.
    const events = await stateEvents('noor');
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThanOrEqual(admitted);
    expect(flooder.ws.readyState).toBe(WebSocket.OPEN);

    otherTab.send({ type: 'status', status: 'away', reason: 'after the flood' });
    expect(await otherTab.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'away' });
    expect(rateLimited(otherTab)).toEqual([]);
    expect(rateLimited(otherAgent)).toEqual([]);
  });

  it('limits all sockets of one agent together', async () => {
    const tabs = [await tab('lina'), await tab('lina'), await tab('lina')];
    // Each tab stays within its own limit; together they are over the agent's. Frames that
    // are not valid messages cost no database work, so the whole exchange takes milliseconds.
    const perTab = 15;
    expect(perTab).toBeLessThanOrEqual(L.socketBurst);
    expect(perTab * tabs.length).toBeGreaterThan(L.agentBurst);
    const started = Date.now();
    for (let i = 0; i < perTab; i++) for (const s of tabs) s.send({ type: 'nothing' });
    const answered = () => tabs.reduce((n, s) => n + s.received.filter((m) => m.type === 'error').length, 0);
    await expect.poll(answered).toBe(perTab * tabs.length);
    const elapsed = Date.now() - started;
    const handled = tabs.reduce((n, s) => n + s.received.filter((m) => m.code === 'BAD_MESSAGE').length, 0);
    expect(handled).toBeGreaterThanOrEqual(L.agentBurst);
    expect(handled).toBeLessThanOrEqual(mostAdmitted(L.agentPerSecond, L.agentBurst, elapsed));
    expect(tabs.reduce((n, s) => n + rateLimited(s).length, 0)).toBe(perTab * tabs.length - handled);
  });

  it(`closes a socket that sends more than ${L.closeAbove} frames within 10 s with 1008, and only that socket`, async () => {
    const bystander = await tab('rami');
    const flooder = await tab('rami');
    const closed = new Promise<number>((resolve) => flooder.ws.once('close', (code) => resolve(code)));
    // Frames answered at once (not valid messages), so every answer is sent before the close.
    for (let i = 0; i < L.closeAbove + 100; i++) flooder.send({ type: 'nothing' });
    expect(await closed).toBe(1008);
    // Each frame up to the limit was answered (handled or refused); none after it.
    expect(flooder.received.filter((m) => m.type === 'error')).toHaveLength(L.closeAbove);
    expect(rateLimited(flooder).length).toBeGreaterThan(0);
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    bystander.send({ type: 'status', status: 'available' });
    expect(await bystander.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true });
  });

  it('writes one state event for the same status sent again and again, and answers each with the current state', async () => {
    const s = await tab('huda');
    for (let i = 0; i < 12; i++) s.send({ type: 'status', status: 'away', reason: 'prayer' });
    await expect.poll(() => statusResults(s).length).toBe(12);
    expect(statusResults(s).every((m) => m.ok && m.state === 'away')).toBe(true);
    expect(statusResults(s).filter((m) => m.changed)).toHaveLength(1);
    expect(rateLimited(s)).toEqual([]);
    const events = await t.db.prisma.agentStateEvent.findMany({ where: { agentId: 'huda' } });
    expect(events.map((e) => [e.state, e.reason, e.source])).toEqual([['away', 'prayer', 'socket']]);
  });
});
