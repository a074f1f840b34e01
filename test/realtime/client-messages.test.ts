/**
 * What the softphone sends over its socket: a frame that cannot be a message is answered
 * with a BAD_MESSAGE error frame naming the field, and the socket stays open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../src/server-http.js';
import { parseClientMessage } from '../../src/realtime/client-messages.js';
import { connectAgent } from '../helpers/agent-socket.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('parseClientMessage', () => {
  it.each([
    ['a NUL byte in an away reason', '{"type":"status","status":"away","reason":"lunch\\u0000"}', /^reason: .*NUL/],
    ['a NUL byte in an ack id', '{"type":"ack","id":"m\\u00001"}', /^id: .*NUL/],
    ['a NUL byte in the name of an extra field', '{"type":"wrapup_done","x\\u0000":1}', /^x\\u0000: .*NUL/],
    ['a NUL byte in a nested value', '{"type":"resume","lastSeq":1,"meta":[{"a":"\\u0000"}]}', /^meta\.0\.a: .*NUL/],
    ['a message that is only a NUL byte', '"\\u0000"', /^message: .*NUL/],
    ['a lone surrogate in an away reason', '{"type":"status","status":"away","reason":"x\\ud800"}', /^reason: .*surrogate/],
  ])('refuses %s, naming where', (_label, raw, reason) => {
    const parsed = parseClientMessage(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });

  it('still reads an ordinary message with Arabic and emoji', () => {
    expect(parseClientMessage('{"type":"status","status":"away","reason":"استراحة ☕"}')).toEqual({ ok: true, message: { type: 'status', status: 'away', reason: 'استراحة ☕' } });
  });
});

describe('the agent socket', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  beforeAll(async () => {
    t = await createTestApp({ publishDemoFlow: false });
    server = await startHttpServer(t);
    await t.services.agents.upsert('sara', { name: 'Sara', skills: {}, languages: ['ar'] });
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('answers a NUL byte in a status reason with a BAD_MESSAGE error, writes no state change, and keeps the socket open', async () => {
    const s = await connectAgent(server.url, t.token('agent', 'sara'));
    await s.next((m) => m.type === 'hello');
    const events = () => t.db.prisma.agentStateEvent.count({ where: { agentId: 'sara' } });
    const before = await events();
    s.send('{"type":"status","status":"away","reason":"lunch\\u0000"}');
    expect(await s.next((m) => m.type === 'error')).toMatchObject({ code: 'BAD_MESSAGE', message: expect.stringMatching(/^reason: .*NUL/) });
    expect(s.received.some((m) => m.type === 'result' && m.ok === false)).toBe(false);
    expect(await events()).toBe(before);
    s.send({ type: 'status', status: 'away', reason: 'lunch' });
    expect(await s.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'away' });
    await s.close();
  });
});
