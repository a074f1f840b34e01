import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import pino from 'pino';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { signToken } from '../../src/auth/tokens.js';
import { seedDemo } from '../../src/demo/seed.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeSqs } from '../helpers/fake-sqs.js';
import { prepareService, SERVERLESS_BIN, serviceEnv } from '../helpers/lambda-service.js';
import { TEST_CONFIG } from '../helpers/test-app.js';
import { createTestDatabase } from '../helpers/test-db.js';

/** A free local port (serverless-offline takes its ports from the environment). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sqs: Awaited<ReturnType<typeof startFakeSqs>>;
let service: Awaited<ReturnType<typeof prepareService>>;
let offline: ChildProcess;
let output = '';
const ports = { http: 0, ws: 0, lambda: 0 };
const base = () => `http://localhost:${ports.http}`;

beforeAll(async () => {
  db = await createTestDatabase();
  // The demo line (around the clock), its customers, agents and routing rules, as `npm start` seeds them.
  const seeder = buildApp({ config: TEST_CONFIG, db: db.prisma, logger: pino({ level: 'silent' }) });
  await seedDemo(seeder.services);
  await seeder.shutdown();
  sqs = await startFakeSqs();
  service = await prepareService();
  ports.http = await freePort();
  ports.ws = await freePort();
  ports.lambda = await freePort();
  offline = spawn(SERVERLESS_BIN, ['offline', '--stage', 'test'], {
    cwd: service.dir,
    detached: true,
    env: serviceEnv({
      DATABASE_URL: db.url!,
      DATABASE_SCHEMA: db.schema!,
      PUBLIC_BASE_URL: `http://localhost:${ports.http}`,
      TWILIO_AUTH_TOKEN: TEST_CONFIG.twilio.authToken,
      JWT_SECRET: TEST_CONFIG.jwt.secret,
      TIMER_QUEUE_URL: sqs.queueUrl,
      // serverless-offline's stand-in for the Management API (POST /@connections/{id}) is on its WebSocket port.
      AGENT_WS_ENDPOINT: `http://localhost:${ports.ws}`,
      AWS_REGION: 'me-south-1',
      AWS_ACCESS_KEY_ID: 'offline',
      AWS_SECRET_ACCESS_KEY: 'offline',
      LOG_LEVEL: 'warn',
      OFFLINE_HTTP_PORT: String(ports.http),
      OFFLINE_WS_PORT: String(ports.ws),
      OFFLINE_LAMBDA_PORT: String(ports.lambda),
    }),
  });
  offline.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  offline.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serverless offline did not start:\n${output}`)), 60_000);
    const check = setInterval(() => {
      if (output.includes('Server ready')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    offline.once('exit', (code) => reject(new Error(`serverless offline exited (${code}):\n${output}`)));
  });
}, 150_000);

afterAll(async () => {
  // The process group we started: serverless and the workers it runs the handlers in.
  if (offline?.pid && offline.exitCode === null) {
    const exited = new Promise((resolve) => offline.once('exit', resolve));
    process.kill(-offline.pid, 'SIGTERM');
    await exited;
  }
  await sqs?.close();
  await db?.drop();
  service?.remove();
});

/** A Twilio webhook through the HTTP API, signed as Twilio signs it (the public URL + the form's fields). */
function postTwilio(pathAndQuery: string, params: Record<string, string>, signed = true) {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (signed) headers['X-Twilio-Signature'] = twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, base() + pathAndQuery, params);
  return fetch(base() + pathAndQuery, { method: 'POST', headers, body: new URLSearchParams(params) });
}

/** What Lambda's SQS event source does with the timer queue's messages: the routingTimers function, invoked with the batch. */
async function deliverTimerMessages(bodies: string[]) {
  const event = { Records: bodies.map((body, i) => ({ messageId: `m-${i}`, receiptHandle: `r-${i}`, body, attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:me-south-1:000000000000:routing-timers', awsRegion: 'me-south-1' })) };
  const res = await fetch(`http://localhost:${ports.lambda}/2015-03-31/functions/cc-screenpop-test-routingTimers/invocations`, { method: 'POST', body: JSON.stringify(event) });
  expect(res.status).toBe(200);
  return (await res.json()) as { batchItemFailures: unknown[] };
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Lambda handlers under serverless-offline', () => {
  let sara: AgentSocket;

  it('refuses a softphone without a valid agent token at $connect', async () => {
    await expect(connectAgent(`http://localhost:${ports.ws}`, signToken(TEST_CONFIG.jwt.secret, { sub: 'admin-1', role: 'admin' }))).rejects.toMatchObject({ statusCode: 403 });
    await expect(connectAgent(`http://localhost:${ports.ws}`, 'not-a-jwt')).rejects.toMatchObject({ statusCode: 401 });
  });

  it('admits an agent, greets them once the platform runs the greeting, and takes their status', async () => {
    sara = await connectAgent(`http://localhost:${ports.ws}`, signToken(TEST_CONFIG.jwt.secret, { sub: 'agent-sara', role: 'agent' }));
    expect(sara.ws.protocol).toBe('bearer');
    const greet = await until(() => sqs.sent.find((m) => JSON.parse(m.MessageBody).kind === 'greet'), 'the greeting SendMessage');
    expect(greet.DelaySeconds).toBe(0);
    expect(await deliverTimerMessages([greet.MessageBody])).toEqual({ batchItemFailures: [] });
    const hello = await sara.next((m) => m.type === 'hello', 20_000);
    expect(hello.agent).toMatchObject({ id: 'agent-sara', name: 'Sara Al-Harbi' });

    sara.send({ type: 'status', status: 'available' });
    expect(await sara.next((m) => m.type === 'result' && m.for === 'status', 20_000)).toMatchObject({ ok: true, state: 'available' });
    sara.send({ type: 'status', status: 'on-a-break' });
    expect(await sara.next((m) => m.type === 'error', 20_000)).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringContaining('status') });
  });

  it('drives a signed Twilio call through the HTTP API to a screen pop on the agent socket, and schedules its timeout on SQS', async () => {
    const call = { CallSid: 'CA0000000000000000000000000000abcd', From: '+966551112233', To: '+966920000000', AccountSid: TEST_CONFIG.twilio.accountSid };
    expect((await postTwilio('/webhooks/twilio/voice', call, false)).status).toBe(403);
    const answered = await postTwilio('/webhooks/twilio/voice', call);
    expect(answered.status).toBe(200);
    expect(await answered.text()).toContain('<Gather');
    const queued = await postTwilio('/webhooks/twilio/gather?seq=1', { ...call, Digits: '2' });
    expect(queued.status).toBe(200);
    expect(await queued.text()).toContain('<Enqueue');

    const pop = await sara.next((m) => m.type === 'screen_pop', 20_000);
    expect(pop.call).toMatchObject({ provider: 'twilio', providerCallId: call.CallSid, from: '+966551112233' });
    expect(pop.customer).toMatchObject({ name: 'Omar Haddad', known: true });
    const reservationId = pop.call.reservationId as string;
    // The offer's deadline as an SQS delay message (OFFER_TIMEOUT_SECONDS, 15 s by default).
    // (sent once the pop is out: the HTTP function waits for it before answering, the socket does not)
    const timeout = await until(() => sqs.sent.map((m) => ({ ...m, body: JSON.parse(m.MessageBody) })).find((m) => m.body.kind === 'wake' && m.body.reason === 'offer_timeout'), 'the offer timeout SendMessage');
    expect(timeout).toMatchObject({ QueueUrl: sqs.queueUrl, DelaySeconds: 15, body: { ref: reservationId } });

    // The ack through $default lands on the call's record, as on the ws hub.
    sara.send({ type: 'ack', id: pop.id });
    const end = Date.now() + 20_000;
    let delivered = 0;
    while (delivered === 0 && Date.now() < end) {
      delivered = await db.prisma.callEvent.count({ where: { type: 'pop_delivered' } });
      if (delivered === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivered).toBe(1);
  });
});
