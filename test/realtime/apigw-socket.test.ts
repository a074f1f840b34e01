import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgentConnectionStore } from '../../src/realtime/apigw-connections.js';
import { createApiGatewayPush } from '../../src/realtime/apigw-push.js';
import { createApiGatewaySocket, type WebSocketApiEvent } from '../../src/realtime/apigw-socket.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const api = mockClient(ApiGatewayManagementApiClient);
const ENDPOINT = 'https://abc123.execute-api.me-south-1.amazonaws.com/prod';
let t: TestApp;
let greeted: string[];
let socket: ReturnType<typeof createApiGatewaySocket>;
let connections: ReturnType<typeof createAgentConnectionStore>;
let push: ReturnType<typeof createApiGatewayPush>;

beforeAll(async () => {
  t = await createTestApp();
  connections = createAgentConnectionStore(t.db.prisma);
  push = createApiGatewayPush({ connections, logger: pino({ level: 'silent' }) });
  socket = createApiGatewaySocket({
    ...t.softphones,
    connections,
    push,
    greetLater: async (id) => {
      greeted.push(id);
    },
    logger: pino({ level: 'silent' }),
    now: () => t.clock.now,
  });
  await t.services.agents.upsert('agent-sara', { name: 'سارة الحربي', skills: { billing: 3 }, languages: ['ar', 'en'] });
});
afterAll(() => t.close());
beforeEach(async () => {
  api.reset();
  greeted = [];
  await t.db.prisma.agentConnection.deleteMany();
});

/** API Gateway's event for a route of the agent WebSocket API (stage prod). */
function event(routeKey: string, connectionId: string, more: Partial<WebSocketApiEvent> = {}): WebSocketApiEvent {
  return { requestContext: { routeKey, connectionId, domainName: 'abc123.execute-api.me-south-1.amazonaws.com', stage: 'prod', eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE' }, ...more };
}
const connect = (connectionId: string, token: string, how: 'protocol' | 'query' = 'protocol') =>
  socket.handle(event('$connect', connectionId, how === 'protocol' ? { headers: { 'Sec-WebSocket-Protocol': `bearer, ${token}` } } : { headers: {}, queryStringParameters: { token } }));
/** Every PostToConnection sent, as the softphone would read it. */
const posted = () => api.commandCalls(PostToConnectionCommand).map((c) => ({ to: c.args[0].input.ConnectionId, message: JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString('utf8')) }));

describe('API Gateway WebSocket API: $connect', () => {
  it('admits an agent whose token rides in Sec-WebSocket-Protocol, names the subprotocol back, records the connection and asks for a greeting', async () => {
    const res = await connect('conn-1', t.token('agent', 'agent-sara'));
    expect(res).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'bearer' } });
    expect(await t.db.prisma.agentConnection.findMany({ select: { connectionId: true, agentId: true, endpoint: true } })).toEqual([{ connectionId: 'conn-1', agentId: 'agent-sara', endpoint: ENDPOINT }]);
    expect(greeted).toEqual(['conn-1']);
  });

  it('takes ?token= as the ws hub does, without a subprotocol in the answer', async () => {
    expect(await connect('conn-2', t.token('agent', 'agent-sara'), 'query')).toEqual({ statusCode: 200 });
  });

  it.each([
    ['no token', undefined, 401, 'missing token'],
    ['a malformed token', 'not-a-jwt', 401, ''],
    ['a supervisor', 'supervisor', 403, 'only agents have a softphone'],
    ['an agent nobody created', 'ghost', 403, "no agent 'ghost'"],
  ])('refuses %s and records nothing', async (_what, who, status, message) => {
    const token = who === undefined ? '' : who === 'not-a-jwt' ? who : who === 'supervisor' ? t.token('supervisor', 'sup-1') : t.token('agent', who);
    const res = await socket.handle(event('$connect', 'conn-x', { headers: token ? { 'sec-websocket-protocol': `bearer, ${token}` } : {} }));
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body!).error.message).toContain(message);
    expect(await t.db.prisma.agentConnection.count()).toBe(0);
    expect(greeted).toEqual([]);
  });
});

describe('API Gateway WebSocket API: messages', () => {
  it('runs a status change from $default and answers on the same connection with the exact PostToConnection', async () => {
    await connect('conn-1', t.token('agent', 'agent-sara'));
    api.on(PostToConnectionCommand).resolves({});
    expect(await socket.handle(event('$default', 'conn-1', { body: JSON.stringify({ type: 'status', status: 'available' }) }))).toEqual({ statusCode: 200 });
    const calls = api.commandCalls(PostToConnectionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ ConnectionId: 'conn-1', Data: Buffer.from(JSON.stringify({ type: 'result', for: 'status', ok: true, state: 'available', changed: true })) });
    expect(await calls[0]!.thisValue.config.endpoint()).toMatchObject({ protocol: 'https:', hostname: 'abc123.execute-api.me-south-1.amazonaws.com', path: '/prod' });
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'agent-sara' } })).state).toBe('available');
  });

  it('answers a bad frame with an error naming the field, and a binary one as unsupported, changing nothing', async () => {
    await connect('conn-1', t.token('agent', 'agent-sara'));
    api.on(PostToConnectionCommand).resolves({});
    await socket.handle(event('$default', 'conn-1', { body: JSON.stringify({ type: 'status', status: 'gone fishing' }) }));
    await socket.handle(event('$default', 'conn-1', { body: JSON.stringify({ type: 'status', status: 'away', reason: 'استراحة\u0000' }) }));
    await socket.handle(event('$default', 'conn-1', { body: 'AAEC', isBase64Encoded: true }));
    expect(posted().map((p) => p.message)).toEqual([
      { type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('status') },
      { type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('reason') },
      { type: 'error', code: 'BAD_MESSAGE', message: 'binary frames are not supported' },
    ]);
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'agent-sara' } })).state).not.toBe('away');
  });

  it('tells a connection it does not know to reconnect', async () => {
    api.on(PostToConnectionCommand).resolves({});
    await socket.handle(event('$default', 'conn-unknown', { body: JSON.stringify({ type: 'wrapup_done' }) }));
    expect(posted()).toEqual([{ to: 'conn-unknown', message: { type: 'error', code: 'UNAUTHORIZED', message: 'unknown connection: reconnect' } }]);
  });

  it('forgets the connection on $disconnect', async () => {
    await connect('conn-1', t.token('agent', 'agent-sara'));
    await socket.handle(event('$disconnect', 'conn-1'));
    expect(await t.db.prisma.agentConnection.count()).toBe(0);
  });

  it('greets with hello (Arabic name intact) once $connect has answered', async () => {
    await connect('conn-1', t.token('agent', 'agent-sara'));
    api.on(PostToConnectionCommand).resolves({});
    await socket.greet('conn-1');
    expect(posted()).toEqual([{ to: 'conn-1', message: { type: 'hello', agent: expect.objectContaining({ id: 'agent-sara', name: 'سارة الحربي' }), lastSeq: expect.any(Number), serverTime: t.clock.now.toISOString() } }]);
  });
});

describe('API Gateway push (the screen pop pipeline’s AgentPush in Lambda)', () => {
  it('posts the message to every connection of the agent and drops the one API Gateway says is gone', async () => {
    await connect('conn-laptop', t.token('agent', 'agent-sara'));
    await connect('conn-phone', t.token('agent', 'agent-sara'));
    api.on(PostToConnectionCommand, { ConnectionId: 'conn-laptop' }).rejects(new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }));
    api.on(PostToConnectionCommand, { ConnectionId: 'conn-phone' }).resolves({});
    const message = { type: 'presence', state: 'available', id: 'm-1', seq: 3 };
    await push.deliver('agent-sara', message);
    expect(api.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input).sort((a, b) => String(a.ConnectionId).localeCompare(String(b.ConnectionId)))).toEqual([
      { ConnectionId: 'conn-laptop', Data: Buffer.from(JSON.stringify(message)) },
      { ConnectionId: 'conn-phone', Data: Buffer.from(JSON.stringify(message)) },
    ]);
    expect((await connections.forAgent('agent-sara')).map((c) => c.connectionId)).toEqual(['conn-phone']);
  });

  it('keeps a connection whose post failed for another reason (the softphone resumes from the database)', async () => {
    await connect('conn-1', t.token('agent', 'agent-sara'));
    api.on(PostToConnectionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' }));
    await expect(push.deliver('agent-sara', { type: 'presence' })).resolves.toBeUndefined();
    expect(await connections.forAgent('agent-sara')).toHaveLength(1);
  });
});
