import { randomBytes } from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startHttpServer } from '../../src/server-http.js';
import { MAX_FRAME_BYTES } from '../../src/realtime/agent-hub.js';
import { connectAgent } from '../helpers/agent-socket.js';
import { createTestApp, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  t = await createTestApp();
  // The fuzzer sends hundreds of frames a second as one agent: under the normal frame limits
  // most would be refused before they were parsed, and parsing is what it is here to try.
  // test/realtime/agent-socket-rate-limit.test.ts covers the limits.
  const unlimited = { socketPerSecond: 1e6, socketBurst: 1e6, agentPerSecond: 1e6, agentBurst: 1e6, closeAbove: 1e6 };
  server = await startHttpServer(buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger: pino({ level: 'silent' }), now: () => t.clock.now, frameLimits: unlimited }));
  await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar'], twilioIdentity: 'client-sara' });
});
afterAll(async () => {
  await server.close();
  await t.close();
});

async function connected() {
  const s = await connectAgent(server.url, t.token('agent', 'sara'));
  await s.next((m) => m.type === 'hello');
  return s;
}

const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

/** The service still answers: a fresh socket is greeted and a status change goes through. */
async function stillServing() {
  const s = await connected();
  s.send({ type: 'status', status: 'away', reason: 'check' });
  expect(await s.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true });
  await s.close();
}

describe('a frame that breaks the WebSocket protocol closes only its own socket', () => {
  it('closes a text frame with invalid UTF-8 with 1007 and keeps serving everyone else', async () => {
    const bystander = await connected();
    const s = await connected();
    const closed = closeCode(s.ws);
    s.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
    await stillServing();
    await bystander.close();
  });

  it(`closes a frame over ${MAX_FRAME_BYTES} bytes with 1009`, async () => {
    const s = await connected();
    const closed = closeCode(s.ws);
    s.send(JSON.stringify({ type: 'status', status: 'away', reason: 'x'.repeat(MAX_FRAME_BYTES + 1) }));
    expect(await closed).toBe(1009);
    await stillServing();
  });

  it('survives a fuzzer: random bytes as text and binary, broken JSON, deep nesting, NUL bytes', async () => {
    const frames: Array<[Buffer | string, boolean]> = [];
    for (let i = 0; i < 200; i++) frames.push([randomBytes(1 + (i % 300)), i % 2 === 0]);
    frames.push(['{"type":"ack","id":"\u0000"}', false], ['['.repeat(5000), false], ['{"type":"resume","lastSeq":1e309}', false], ['{"type":"status","status":"available","__proto__":{"x":1}}', false]);
    for (const [data, binary] of frames) {
      const s = await connected();
      const outcome = new Promise<number | 'answered'>((resolve) => {
        s.ws.once('close', (code) => resolve(code));
        void s.next((m) => m.type === 'result' && m.for === 'status').then(() => resolve('answered'), () => {});
      });
      s.ws.send(data, { binary });
      // Whatever the junk did, the socket either closed or still answers its next frame.
      s.send({ type: 'status', status: 'away', reason: 'after junk' });
      const code = await outcome;
      // Either still answering on an open socket, or closed with a protocol close code.
      if (code !== 'answered') expect([1002, 1007, 1009]).toContain(code);
      await s.close();
    }
    await stillServing();
  }, 120_000);
});
