import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createMetrics } from '../../src/metrics/instruments.js';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
const sockets: AgentSocket[] = [];
const OMAR = '+966551112233';

beforeAll(async () => {
  t = await createTestApp({ routingOptions: { offerTimeoutMs: 60_000 } });
  server = await startHttpServer(t);
  for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: [OMAR], language: 'en', tier: 'silver' });
  await t.services.agents.upsert('sara', { name: 'Sara Al-Otaibi', skills: { support: 2 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
  await t?.close();
});
beforeEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await t.db.prisma.reservation.updateMany({ where: { status: 'pending' }, data: { status: 'cancelled' } });
  await t.db.prisma.queueEntry.updateMany({ data: { status: 'done' } });
  await t.db.prisma.agent.updateMany({ data: { state: 'offline', activeCount: 0, missedOffers: 0 } });
});

type Sample = { name: string; labels: Record<string, string>; value: number };

/**
 * Parses the Prometheus text exposition format (version 0.0.4) strictly: every line a
 * HELP, a TYPE or a sample, every sample of a declared family. Throws on anything else.
 */
function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(?:,|$)/;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${name}) (.*)$`).exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(meta[3]);
        types.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    const sample = new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`).exec(line);
    if (!sample) throw new Error(`not a Prometheus line: ${line}`);
    const [, metric, labelText = '', raw] = sample;
    const labels: Record<string, string> = {};
    for (let rest = labelText; rest.length > 0; ) {
      const pair = labelPair.exec(rest);
      if (!pair) throw new Error(`bad labels in: ${line}`);
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      rest = rest.slice(pair[0].length);
    }
    // Prometheus reads values with Go's ParseFloat: Inf and NaN in any case.
    const special = /^([+-]?)inf(inity)?$/i.exec(raw!);
    const value = special ? (special[1] === '-' ? -Infinity : Infinity) : /^nan$/i.test(raw!) ? NaN : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw!)) throw new Error(`bad value in: ${line}`);
    const family = [metric!, metric!.replace(/_(bucket|sum|count)$/, '')].find((f) => types.has(f));
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    samples.push({ name: metric!, labels, value });
  }
  return samples;
}

async function scrape(app = t.app): Promise<{ text: string; samples: Sample[] }> {
  const res = await request(app).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parseExposition(res.text) };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** Omar calls and presses 2 (support): he waits in the support queue. */
async function supportCall() {
  const p = { CallSid: newCallSid(), From: OMAR, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
  expect(queued.text).toContain('>support</Enqueue>');
  return p;
}

describe('GET /metrics', () => {
  it('times a signed call under its route patterns, shows the caller waiting in the queue, and names no caller', async () => {
    await supportCall();
    t.clock.now = new Date(t.clock.now.getTime() + 30_000);
    const { text, samples } = await scrape();

    expect(value(samples, 'cc_webhook_duration_seconds_count', { route: '/webhooks/twilio/voice', status: '2xx' })).toBe(1);
    // The query string (?seq=1) is not part of the label.
    expect(value(samples, 'cc_webhook_duration_seconds_count', { route: '/webhooks/twilio/gather', status: '2xx' })).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes('?'))).toBe(false);
    expect(value(samples, 'cc_queue_depth', { queue: 'support' })).toBe(1);
    expect(value(samples, 'cc_queue_oldest_wait_seconds', { queue: 'support' })).toBe(30);
    // A registered queue with nobody in it is reported as empty, not left out.
    expect(value(samples, 'cc_queue_depth', { queue: 'billing' })).toBe(0);
    expect(value(samples, 'cc_twiml_fallbacks_total', { reason: 'over_budget' })).toBe(0);
    expect(value(samples, 'cc_websocket_connections', { kind: 'agent' })).toBe(0);

    expect(text).not.toMatch(/551112233|Omar/);
  });

  it('files a refused request under its route when one took it, under "unmatched" otherwise, never under its URL', async () => {
    await postTwilio(t.app, `/webhooks/twilio/voice?From=${encodeURIComponent(OMAR)}`, { CallSid: newCallSid(), From: OMAR }, { signature: 'forged' }).expect(403);
    // Signed, but without a CallSid: the route answers 400 through the app's error handler.
    await postTwilio(t.app, '/webhooks/twilio/voice', { From: OMAR }).expect(400);
    const { text, samples } = await scrape();
    expect(value(samples, 'cc_webhook_duration_seconds_count', { route: 'unmatched', status: '4xx' })).toBe(1);
    expect(value(samples, 'cc_webhook_duration_seconds_count', { route: '/webhooks/twilio/voice', status: '4xx' })).toBe(1);
    expect(text).not.toMatch(/551112233|From=/);
  });

  it('counts the pop sent to an agent, its ack and how the offer ended, and the agent socket open', async () => {
    const sara = await connectAgent(server.url, t.token('agent', 'sara'));
    sockets.push(sara);
    await sara.next((m) => m.type === 'hello');
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result' && m.for === 'status');
    const before = (await scrape()).samples;
    const sent = value(before, 'cc_pops_sent_total') ?? 0;

    await supportCall();
    await t.services.routing.dispatch();
    const pop = await sara.next((m) => m.type === 'screen_pop', 15_000);
    sara.send({ type: 'ack', id: pop.id });
    sara.send({ type: 'reject', reservationId: pop.reservation.id });
    await sara.next((m) => m.type === 'result' && m.for === 'reject');

    await expect.poll(async () => value((await scrape()).samples, 'cc_pops_acked_total'), { timeout: 10_000 }).toBe(1);
    const { text, samples } = await scrape();
    expect(value(samples, 'cc_pops_sent_total')).toBe(sent + 1);
    expect(value(samples, 'cc_offer_outcomes_total', { outcome: 'rejected' })).toBe(1);
    expect(value(samples, 'cc_offer_outcomes_total', { outcome: 'accepted' })).toBe(0);
    expect(value(samples, 'cc_websocket_connections', { kind: 'agent' })).toBe(1);
    // The agent's name and the caller's number are in the pop, not in the metrics.
    expect(text).not.toMatch(/551112233|Omar|Sara|sara/);
  });

  it('wants the bearer token when METRICS_TOKEN is set', async () => {
    const guarded = buildApp({
      config: { ...TEST_CONFIG, metricsToken: 'scrape-secret-123' },
      db: t.db.prisma,
      logger: pino({ level: 'silent' }),
    });
    const missing = await request(guarded.app).get('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringContaining('/metrics') } });
    expect((await request(guarded.app).get('/metrics').set('Authorization', 'Bearer wrong')).status).toBe(401);
    const ok = await request(guarded.app).get('/metrics').set('Authorization', 'Bearer scrape-secret-123');
    expect(ok.status).toBe(200);
    expect(() => parseExposition(ok.text)).not.toThrow();
    await guarded.shutdown();
  });
});

describe('createMetrics', () => {
  it("adds Node's process metrics to its own registry only when asked", async () => {
    const withProcess = await createMetrics({ processMetrics: true }).registry.metrics();
    expect(parseExposition(withProcess).some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    const without = await createMetrics().registry.metrics();
    expect(without).not.toContain('process_cpu_user_seconds_total');
  });
});
