/**
 * A hostile client against every WebSocket surface (the HTTP routes have
 * test/http/hostile-sweep.test.ts): the upgrades of /ws/agent, /ws/supervisor and Twilio's
 * /webhooks/twilio/media (bad tokens, wrong roles, odd subjects, path tricks, broken
 * handshakes, oversized headers), frames on an admitted socket (not JSON, not an object,
 * prototype keys, every client message with wrong-typed fields, raw protocol violations,
 * fragments, floods, another agent's offer), hostile Media Streams messages, and API Gateway's
 * $connect/$default/$disconnect. After every attack: a clean refusal (an HTTP status written on
 * the raw socket and the connection closed, an error message, or a close with a code), nothing
 * written, a bystander agent still connected, and a fresh agent still greeted and served.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import jwt from 'jsonwebtoken';
import pino from 'pino';
import twilio from 'twilio';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TRole } from '../../src/auth/tokens.js';
import type { VoiceBiometricsService } from '../../src/biometrics/voice-biometrics.js';
import { createAgentConnectionStore } from '../../src/realtime/apigw-connections.js';
import { createApiGatewayPush } from '../../src/realtime/apigw-push.js';
import { createApiGatewaySocket, type WebSocketApiEvent } from '../../src/realtime/apigw-socket.js';
import { startHttpServer } from '../../src/server-http.js';
import { connectAgent, type AgentSocket } from '../helpers/agent-socket.js';
import { startFakeBiometricsVendor, type FakeVendor } from '../helpers/fake-biometrics-vendor.js';
import { createTestApp, newCallSid, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

const JWT_SECRET = TEST_CONFIG.jwt.secret;
const VENDOR_SECRET = 'hostile-sockets-vendor-secret';
/** What Twilio signs for the media socket: the stream URL as our TwiML writes it. */
const STREAM_URL = 'wss://cc.example.test/webhooks/twilio/media';
const MEDIA_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/twilio/media');
const NUL = '\u0000';
const LONE = '\ud800';
const ARABIC = 'نورة';
/** An agent whose id is Arabic with an emoji: a valid subject, and a real agent. */
const ODD_AGENT = 'نورة-😀';

let t: TestApp;
let vendor: FakeVendor;
let voice: VoiceBiometricsService;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let serverClosed = false;
let port = 0;
/** Noura's softphone, open from the start: every attack must leave it connected. */
let bystander: AgentSocket;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  vendor = await startFakeBiometricsVendor({ secret: VENDOR_SECRET, now: () => t.clock.now });
  // Frames are parsed, not refused by the rate limits (agent-socket-rate-limit.test.ts has
  // those); a socket sending over 1,000 frames in 10 s is still closed.
  const frameLimits = { socketPerSecond: 1e6, socketBurst: 1e6, agentPerSecond: 1e6, agentBurst: 1e6 };
  t = await createTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: VENDOR_SECRET, deadlineMs: 5000 }, voiceOptions: { pollMs: 20 }, frameLimits });
  voice = t.services.biometrics.voice as VoiceBiometricsService;
  server = await startHttpServer(t);
  port = Number(new URL(server.url).port);
  for (const q of ['general', 'billing', 'support', 'sales', 'complaints']) await t.services.rules.addQueue(q, {});
  await t.services.agents.upsert('noura', { name: 'Noura', skills: {}, languages: ['ar'] });
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  // The attacker: a real agent, offline, with skills no call needs.
  await t.services.agents.upsert('mallory', { name: 'Mallory', skills: {}, languages: ['en'] });
  await t.services.agents.upsert(ODD_AGENT, { name: 'نورة 😀', skills: {}, languages: ['ar'] });
  bystander = await connectAgent(server.url, t.token('agent', 'noura'));
  await bystander.next((m) => m.type === 'hello');
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await bystander?.close();
  if (!serverClosed) await server?.close();
  await t?.close();
  await vendor?.close();
});

// ---------------------------------------------------------------------------------------
// What an attack may leave behind: nothing.

const COUNTED = ['Agent', 'AgentStateEvent', 'AgentMessage', 'AgentConnection', 'Reservation', 'QueueEntry', 'Call', 'CallStep', 'CallEvent', 'Interaction', 'Customer', 'BiometricRequest', 'Voiceprint'];
const SNAPSHOT_SQL = `SELECT json_build_object(
  'counts', json_build_object(${COUNTED.map((table) => `'${table}', (SELECT count(*) FROM "${table}")`).join(', ')}),
  'agents', (SELECT json_agg(json_build_object('id', "id", 'state', "state", 'reason', "stateReason", 'lastSeq', "lastSeq", 'active', "activeCount", 'missed', "missedOffers") ORDER BY "id") FROM "Agent"),
  'reservations', (SELECT json_agg(json_build_object('id', "id", 'status', "status") ORDER BY "id") FROM "Reservation"),
  'acked', (SELECT count(*) FROM "AgentMessage" WHERE "ackedAt" IS NOT NULL),
  'requests', (SELECT json_agg(json_build_object('id', "id", 'status', "status", 'failure', "failure") ORDER BY "id") FROM "BiometricRequest")
) AS s`;

/** Row counts, every agent's presence, offers, acks and verification requests, as one string. */
async function snapshot(): Promise<string> {
  const [row] = await t.db.prisma.$queryRawUnsafe<Array<{ s: unknown }>>(SNAPSHOT_SQL);
  return JSON.stringify(row!.s);
}

/** The service still answers: a fresh softphone is greeted and a status change goes through. */
async function stillServing(after: string): Promise<void> {
  const s = await connectAgent(server.url, t.token('agent', 'noura')).catch((err: Error) => {
    throw new Error(`after ${after}: a normal agent could not connect (${err.message})`);
  });
  try {
    await s.next((m) => m.type === 'hello');
    s.send({ type: 'status', status: 'away', reason: 'still serving' });
    expect(await s.next((m) => m.type === 'result' && m.for === 'status'), `after ${after}`).toMatchObject({ ok: true, state: 'away' });
  } finally {
    await s.close();
  }
}

/** After an attack: nothing written since `before`, the bystander connected, a new agent served. */
async function aftermath(label: string, before: string, problems: string[]): Promise<void> {
  const after = await snapshot();
  if (after !== before) problems.push(`${label}: wrote ${diff(before, after)}`);
  if (bystander.ws.readyState !== WebSocket.OPEN) problems.push(`${label}: the bystander's socket closed`);
  await stillServing(label);
}

function diff(before: string, after: string): string {
  const b = JSON.parse(before) as Record<string, unknown>;
  const a = JSON.parse(after) as Record<string, unknown>;
  return Object.keys(a)
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(b[k]).slice(0, 300)} -> ${JSON.stringify(a[k]).slice(0, 300)}`)
    .join('; ');
}

const parseOr = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Fails listing every problem found, one a line. */
function expectNone(problems: string[]) {
  expect(problems.length, `${problems.length} problems:\n${problems.slice(0, 60).join('\n')}`).toBe(0);
}

// ---------------------------------------------------------------------------------------
// A raw client: requests and frames go out exactly as written.

/** A client frame (masked unless told otherwise); `length` overrides the length field. */
function frame(opcode: number, payload: Buffer | string = '', o: { fin?: boolean; rsv?: number; mask?: boolean; length?: bigint } = {}): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const mask = o.mask ?? true;
  const length = o.length ?? BigInt(data.length);
  const head = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode];
  const m = mask ? 0x80 : 0;
  if (length < 126n) head.push(m | Number(length));
  else if (length < 65536n) head.push(m | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(m | 127);
    for (let i = 7; i >= 0; i--) head.push(Number((length >> BigInt(8 * i)) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  return Buffer.concat([Buffer.from(head), key, Buffer.from(data.map((b, i) => b ^ key[i % 4]!))]);
}
const closeFrame = (code: number, reason: Buffer | string = '') => frame(0x8, Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]));

/** An upgrade request. `headers` replace the defaults of the same name and may repeat; `omit` drops defaults. */
function upgradeRequest(target: string, o: { method?: string; http?: string; headers?: Array<[string, string]>; omit?: string[] } = {}): string {
  const custom = o.headers ?? [];
  const drop = new Set([...custom.map(([k]) => k.toLowerCase()), ...(o.omit ?? []).map((k) => k.toLowerCase())]);
  const defaults: Array<[string, string]> = [
    ['Host', `127.0.0.1:${port}`],
    ['Connection', 'Upgrade'],
    ['Upgrade', 'websocket'],
    ['Sec-WebSocket-Version', '13'],
    ['Sec-WebSocket-Key', randomBytes(16).toString('base64')],
  ];
  const headers = [...defaults.filter(([k]) => !drop.has(k.toLowerCase())), ...custom];
  return `${o.method ?? 'GET'} ${target} HTTP/${o.http ?? '1.1'}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends a request on a fresh connection and reads the answer until the server closes the
 * connection (a refusal must); a 101 is closed properly from our side and reported as such.
 * `hangUp`: the client drops the connection right after sending.
 */
function rawUpgrade(request: string | Buffer, o: { hangUp?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let admitted = false;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (!admitted && Buffer.concat(chunks).toString('latin1').startsWith('HTTP/1.1 101')) {
        admitted = true;
        socket.write(closeFrame(1000));
      }
    });
    // A reset after the answer is the server closing.
    socket.on('error', () => {});
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const head = (end < 0 ? all : all.subarray(0, end)).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head, body: end < 0 ? '' : all.subarray(end + 4).toString('utf8') });
    });
    socket.write(request);
    if (o.hangUp) socket.destroy();
  });
}

/** Server frames in `buf` (unmasked), and what is left of an incomplete one. */
function serverFrames(buf: Buffer): { frames: Array<{ opcode: number; payload: Buffer }>; rest: Buffer } {
  const frames: Array<{ opcode: number; payload: Buffer }> = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    let length = buf[i + 1]! & 0x7f;
    let at = i + 2;
    if (length === 126) {
      if (at + 2 > buf.length) break;
      length = buf.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (at + 8 > buf.length) break;
      length = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (at + length > buf.length) break;
    frames.push({ opcode: buf[i]! & 0x0f, payload: buf.subarray(at, at + length) });
    i = at + length;
  }
  return { frames, rest: buf.subarray(i) };
}

interface RawSession {
  /** The server's close code; 1006 when the connection ended without a close frame. */
  code: number;
  /** The text messages after the greeting. */
  messages: Array<Record<string, any>>;
}

/**
 * An admitted socket as a raw connection: once the greeting (hello) is in, `frames` go out
 * as written; resolves when the server ends the connection. A close frame from the server
 * is answered, as a client must.
 */
function rawSession(target: string, token: string, frames: Buffer[]): Promise<RawSession> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    let upgraded = false;
    let greeted = false;
    let code = 1006;
    const messages: Array<Record<string, any>> = [];
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      const { frames: got, rest } = serverFrames(buf);
      buf = rest;
      for (const f of got) {
        if (f.opcode === 0x1) {
          const m = JSON.parse(f.payload.toString('utf8')) as Record<string, any>;
          if (!greeted && m.type === 'hello') {
            greeted = true;
            for (const out of frames) socket.write(out);
          } else messages.push(m);
        } else if (f.opcode === 0x8) {
          code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          if (!socket.destroyed) socket.write(closeFrame(1000));
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ code, messages }));
    socket.write(upgradeRequest(target, { headers: [['Sec-WebSocket-Protocol', `bearer, ${token}`]] }));
  });
}

// ---------------------------------------------------------------------------------------
// Tokens.

const nowSeconds = () => Math.floor(Date.now() / 1000);
const signed = (claims: Record<string, unknown>, opts: jwt.SignOptions = {}, secret = JWT_SECRET) => jwt.sign(claims, secret, { expiresIn: '1h', ...opts });
const tokenFor = (role: TRole, sub: string) => t.token(role, sub);

/** Tokens no upgrade may get past the check with: 401 on either hub, in the header or the query. */
const BAD_TOKENS = (): Array<[label: string, token: string]> => {
  const good = tokenFor('agent', 'noura');
  const [h, p, s] = good.split('.');
  return [
    ['garbage', 'garbage'],
    ['three empty parts', '..'],
    ['expired', jwt.sign({ role: 'agent', sub: 'noura', exp: nowSeconds() - 60 }, JWT_SECRET)],
    ['signed with another secret', signed({ role: 'agent' }, { subject: 'noura' }, 'not-the-secret-but-long-enough')],
    ['alg none', jwt.sign({ role: 'agent', sub: 'noura', exp: nowSeconds() + 600 }, '', { algorithm: 'none' })],
    ['alg none, signature kept', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.${s}`],
    ['HS512 with the right secret', signed({ role: 'agent' }, { subject: 'noura', algorithm: 'HS512' })],
    ['no expiry', jwt.sign({ role: 'agent', sub: 'noura' }, JWT_SECRET)],
    ['living 30 days', signed({ role: 'agent' }, { subject: 'noura', expiresIn: '30d' })],
    ['an unknown role', signed({ role: 'root' }, { subject: 'noura' })],
    ['role as an array', signed({ role: ['agent'] }, { subject: 'noura' })],
    ['no sub', signed({ role: 'agent' })],
    ['sub as a number', signed({ role: 'agent', sub: 42 })],
    ['sub with a NUL byte', signed({ role: 'agent' }, { subject: `nou${NUL}ra` })],
    ['sub with a lone surrogate', signed({ role: 'agent' }, { subject: `nou${LONE}ra` })],
    ['a 10 KB sub', signed({ role: 'agent' }, { subject: 'x'.repeat(10_000) })],
    ['a good token with a byte more', `${good}x`],
    ['a good token with its payload swapped', `${h}.${Buffer.from(JSON.stringify({ sub: 'noura', role: 'admin', exp: nowSeconds() + 600 })).toString('base64url')}.${s}`],
  ];
};

// ---------------------------------------------------------------------------------------
// The upgrades.

describe('upgrades of /ws/agent and /ws/supervisor', () => {
  type Case = [label: string, request: string, allowed: number[]];

  /** Sends each request; each must be answered with an allowed status and the connection closed; nothing written. */
  async function sweep(cases: Case[]): Promise<string[]> {
    const problems: string[] = [];
    for (const [label, request, allowed] of cases) {
      const before = await snapshot();
      const answer = await rawUpgrade(request);
      if (!allowed.includes(answer.status)) problems.push(`${label}: ${answer.status || 'no answer'}, not ${allowed.join('/')} (${answer.head.split('\r\n')[0]} ${answer.body.slice(0, 120)})`);
      else if (answer.status === 401 || answer.status === 403) {
        // Our own refusals speak the API's error shape.
        const body = parseOr(answer.body) as { error?: { code?: unknown; message?: unknown } } | undefined;
        if (!/content-type: application\/json/i.test(answer.head) || typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') {
          problems.push(`${label}: ${answer.status} without the JSON error shape: ${answer.body.slice(0, 120)}`);
        }
      }
      await aftermath(label, before, problems);
    }
    return problems;
  }

  it('refuses every bad token with a 401, by Sec-WebSocket-Protocol and by ?token=, on both paths', async () => {
    const cases: Case[] = [];
    for (const target of ['/ws/agent', '/ws/supervisor']) {
      cases.push([`${target}: no token`, upgradeRequest(target), [401]]);
      for (const [label, token] of BAD_TOKENS()) {
        cases.push([`${target}: ${label} in the header`, upgradeRequest(target, { headers: [['Sec-WebSocket-Protocol', `bearer, ${token}`]] }), [401]]);
        cases.push([`${target}: ${label} in the query`, upgradeRequest(`${target}?token=${encodeURIComponent(token)}`), [401]]);
      }
    }
    expectNone(await sweep(cases));
  });

  it('refuses a valid token of another role (403) and an agent nobody created (403); admits odd but real subjects', async () => {
    const header = (token: string) => ({ headers: [['Sec-WebSocket-Protocol', `bearer, ${token}`]] as Array<[string, string]> });
    const cases: Case[] = [
      ...(['supervisor', 'admin', 'service'] as TRole[]).map((role): Case => [`/ws/agent as ${role}`, upgradeRequest('/ws/agent', header(tokenFor(role, 'noura'))), [403]]),
      ...(['agent', 'service'] as TRole[]).map((role): Case => [`/ws/supervisor as ${role}`, upgradeRequest('/ws/supervisor', header(tokenFor(role, 'noura'))), [403]]),
      ...[ARABIC, '😀', Array.from(`${ARABIC}😀`.repeat(30)).slice(0, 100).join(''), '__proto__', 'constructor', 'toString', ' noura', 'NOURA', 'noura/../sara', '%00', "sara' OR '1'='1"].map(
        (sub): Case => [`/ws/agent for the unknown agent ${JSON.stringify(sub).slice(0, 30)}`, upgradeRequest('/ws/agent', header(tokenFor('agent', sub))), [403]],
      ),
    ];
    expectNone(await sweep(cases));

    // An agent whose id is Arabic with an emoji is greeted as itself; a supervisor's odd subject too.
    const odd = await connectAgent(server.url, tokenFor('agent', ODD_AGENT));
    expect(await odd.next((m) => m.type === 'hello')).toMatchObject({ agent: { id: ODD_AGENT, name: 'نورة 😀' } });
    await odd.close();
    const sup = await connectAgent(server.url, tokenFor('supervisor', `${ARABIC} 😀`), '/ws/supervisor');
    expect(await sup.next((m) => m.type === 'hello')).toMatchObject({ user: { id: `${ARABIC} 😀` } });
    await sup.close();
  });

  it('answers tokens in odd places, duplicated and oversized without a hang: 401, 400 or 431', async () => {
    const good = tokenFor('agent', 'noura');
    const protocol = (value: string): Array<[string, string]> => [['Sec-WebSocket-Protocol', value]];
    const cases: Case[] = [
      ['a bad token first of two in the query', upgradeRequest(`/ws/agent?token=garbage&token=${good}`), [401]],
      ['token[] in the query', upgradeRequest(`/ws/agent?token[]=${good}`), [401]],
      ['Token (capital) in the query', upgradeRequest(`/ws/agent?Token=${good}`), [401]],
      ['a bad token in the header, a good one in the query', upgradeRequest(`/ws/agent?token=${good}`, { headers: protocol('bearer, garbage') }), [401]],
      ['Bearer (capital) in the header', upgradeRequest('/ws/agent', { headers: protocol(`Bearer, ${good}`) }), [401]],
      ['bearer alone', upgradeRequest('/ws/agent', { headers: protocol('bearer') }), [401]],
      ['bearer and an empty token', upgradeRequest('/ws/agent', { headers: protocol('bearer, ') }), [401]],
      ['the token before bearer', upgradeRequest('/ws/agent', { headers: protocol(`${good}, bearer`) }), [401]],
      ['the header twice', upgradeRequest('/ws/agent', { headers: [...protocol(`bearer, ${good}`), ...protocol(`bearer, ${good}`)] }), [400]],
      ['a good token beside a protocol ws cannot parse', upgradeRequest('/ws/agent', { headers: protocol(`bearer, ${good}, a b`) }), [400]],
      ['a NUL escape in the query', upgradeRequest('/ws/agent?token=%00'), [401]],
      ['a broken escape in the query', upgradeRequest('/ws/agent?token=%E0%A4%A&x=%ZZ'), [401]],
      ['a 15 KB token in the query', upgradeRequest(`/ws/agent?token=${'a'.repeat(15_000)}`), [401]],
      ['a 20 KB query', upgradeRequest(`/ws/agent?token=${'a'.repeat(20_000)}`), [431]],
      ['a 15 KB Sec-WebSocket-Protocol', upgradeRequest('/ws/agent', { headers: protocol(`bearer, ${'a'.repeat(15_000)}`) }), [401]],
      ['a 20 KB Sec-WebSocket-Protocol', upgradeRequest('/ws/agent', { headers: protocol(`bearer, ${'a'.repeat(20_000)}`) }), [431]],
      ['3,000 query parameters and no token', upgradeRequest(`/ws/agent?${'a=1&'.repeat(3000)}b=2`), [401]],
      ['1,500 headers', upgradeRequest('/ws/agent', { headers: Array.from({ length: 1500 }, (_, i): [string, string] => [`X-Pad-${i}`, 'x']) }), [401, 431]],
      ['the supervisor path with the token in both places, both bad', upgradeRequest('/ws/supervisor?token=garbage', { headers: protocol('bearer, garbage') }), [401]],
    ];
    expectNone(await sweep(cases));
  });

  it('refuses broken handshakes from an admitted agent: 400, 405, never a socket', async () => {
    const auth: Array<[string, string]> = [['Sec-WebSocket-Protocol', `bearer, ${tokenFor('agent', 'noura')}`]];
    const sup: Array<[string, string]> = [['Sec-WebSocket-Protocol', `bearer, ${tokenFor('supervisor', 'sup-huda')}`]];
    const cases: Case[] = [];
    for (const [target, headers] of [['/ws/agent', auth], ['/ws/supervisor', sup]] as const) {
      cases.push(
        [`${target}: Sec-WebSocket-Version 12`, upgradeRequest(target, { headers: [...headers, ['Sec-WebSocket-Version', '12']] }), [400]],
        [`${target}: Sec-WebSocket-Version abc`, upgradeRequest(target, { headers: [...headers, ['Sec-WebSocket-Version', 'abc']] }), [400]],
        [`${target}: Sec-WebSocket-Version 99999999999999999999`, upgradeRequest(target, { headers: [...headers, ['Sec-WebSocket-Version', '99999999999999999999']] }), [400]],
        [`${target}: no Sec-WebSocket-Version`, upgradeRequest(target, { headers, omit: ['Sec-WebSocket-Version'] }), [400]],
        [`${target}: no Sec-WebSocket-Key`, upgradeRequest(target, { headers, omit: ['Sec-WebSocket-Key'] }), [400]],
        [`${target}: a short Sec-WebSocket-Key`, upgradeRequest(target, { headers: [...headers, ['Sec-WebSocket-Key', 'c2hvcnQ=']] }), [400]],
        [`${target}: POST`, upgradeRequest(target, { headers, method: 'POST' }), [405]],
        [`${target}: DELETE`, upgradeRequest(target, { headers, method: 'DELETE' }), [405]],
        [`${target}: Upgrade h2c`, upgradeRequest(target, { headers: [...headers, ['Upgrade', 'h2c']] }), [400]],
        [`${target}: Upgrade websocket, h2c`, upgradeRequest(target, { headers: [...headers, ['Upgrade', 'websocket, h2c']] }), [400]],
        [`${target}: HTTP/1.0 without a token`, upgradeRequest(target, { http: '1.0' }), [401]],
      );
    }
    cases.push(
      // Not an upgrade at all: the HTTP app answers (and closes, as asked).
      ['a plain GET /ws/agent', `GET /ws/agent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, [404, 426]],
      ['Upgrade without Connection: Upgrade', `GET /ws/agent HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: close\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`, [404, 426]],
    );
    expectNone(await sweep(cases));
  });

  it('answers unknown and disguised paths with 404 or 400, and a path that resolves elsewhere only as that path allows', async () => {
    const agentAuth: Array<[string, string]> = [['Sec-WebSocket-Protocol', `bearer, ${tokenFor('agent', 'noura')}`]];
    const supAuth: Array<[string, string]> = [['Sec-WebSocket-Protocol', `bearer, ${tokenFor('supervisor', 'sup-huda')}`]];
    const cases: Case[] = [];
    const unknown = [
      '/', '/ws', '/ws/', '/ws/agent/', '/ws/agents', '/WS/AGENT', '/ws/Agent', '/ws/agent%00', '/ws/agent%2F', '/ws%2Fagent', '/ws/agent/..%2fsupervisor', '//ws/agent', '/%2Fws%2Fagent',
      '/ws/agent;x=1', '/ws/agent/x', '/ws/%E0%A4%A', `/ws/agent/${'x'.repeat(10_000)}`, '/api/customers', '/webhooks/twilio/voice', '/agent/', '/healthz', '*',
    ];
    for (const target of unknown) {
      cases.push([`${target.slice(0, 60)} as an agent`, upgradeRequest(target, { headers: agentAuth }), [404]]);
      cases.push([`${target.slice(0, 60)} without a token`, upgradeRequest(target), [404]]);
    }
    cases.push(
      // Not a request line Node's parser takes.
      ['%2Fws%2Fagent (no leading slash)', upgradeRequest('%2Fws%2Fagent', { headers: agentAuth }), [400]],
      ['a non-ASCII path', upgradeRequest('/ws/agent\u0661', { headers: agentAuth }), [400]],
      ['a space in the path', upgradeRequest('/ws/ agent', { headers: agentAuth }), [400]],
      // Dot segments resolve like a browser's: to the other hub, which checks the role.
      ['/ws/agent/../supervisor as an agent', upgradeRequest('/ws/agent/../supervisor', { headers: agentAuth }), [403, 404]],
      ['/ws/./supervisor as an agent', upgradeRequest('/ws/./supervisor', { headers: agentAuth }), [403, 404]],
      ['/ws/supervisor/../agent as a supervisor', upgradeRequest('/ws/supervisor/../agent', { headers: supAuth }), [403, 404]],
      ['/ws/agent/../supervisor without a token', upgradeRequest('/ws/agent/../supervisor'), [401, 404]],
      ['an absolute URL to the supervisor hub as an agent', upgradeRequest('http://evil.example/ws/supervisor', { headers: agentAuth }), [403, 404]],
      ['an absolute URL to the agent hub as a supervisor', upgradeRequest('http://evil.example/ws/agent', { headers: supAuth }), [403, 404]],
    );
    expectNone(await sweep(cases));
  });

  it('survives clients that hang up in the middle of the upgrade', async () => {
    const before = await snapshot();
    const problems: string[] = [];
    for (const [target, token] of [['/ws/agent', tokenFor('agent', 'noura')], ['/ws/supervisor', tokenFor('supervisor', 'sup-huda')], ['/ws/agent', tokenFor('agent', 'ghost')]]) {
      for (let i = 0; i < 10; i++) await rawUpgrade(upgradeRequest(target!, { headers: [['Sec-WebSocket-Protocol', `bearer, ${token}`]] }), { hangUp: true });
      // Half a request line, then gone.
      await rawUpgrade(`GET ${target} HT`, { hangUp: true });
    }
    await aftermath('hang-ups mid-upgrade', before, problems);
    expectNone(problems);
  });
});

describe('upgrades of /webhooks/twilio/media', () => {
  const signature = (url = STREAM_URL) => twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, url, {});

  it('refuses what Twilio did not sign (403) and broken handshakes (400, 405), never a socket', async () => {
    const good = signature();
    const sig = (value: string): Array<[string, string]> => [['X-Twilio-Signature', value]];
    const cases: Array<[string, string, number[]]> = [
      ['an empty signature', upgradeRequest('/webhooks/twilio/media', { headers: sig('') }), [403]],
      ['a signature of the right length, wrong', upgradeRequest('/webhooks/twilio/media', { headers: sig(`${good.slice(0, -2)}AA`) }), [403]],
      ['a good and a bad signature', upgradeRequest('/webhooks/twilio/media', { headers: [...sig(good), ...sig('garbage')] }), [403]],
      ['signed for the URL, sent with a query', upgradeRequest('/webhooks/twilio/media?requestId=r1', { headers: sig(good) }), [403]],
      ['signed with the query, sent without', upgradeRequest('/webhooks/twilio/media', { headers: sig(signature(`${STREAM_URL}?requestId=r1`)) }), [403]],
      ['an absolute URL to another host', upgradeRequest('http://evil.example/webhooks/twilio/media', { headers: sig(good) }), [403]],
      ['a 15 KB signature', upgradeRequest('/webhooks/twilio/media', { headers: sig('A'.repeat(15_000)) }), [403]],
      ['a 20 KB signature', upgradeRequest('/webhooks/twilio/media', { headers: sig('A'.repeat(20_000)) }), [431]],
      ['an agent token instead of a signature', upgradeRequest('/webhooks/twilio/media', { headers: [['Sec-WebSocket-Protocol', `bearer, ${tokenFor('agent', 'noura')}`]] }), [403]],
      ['HTTP/1.0 unsigned', upgradeRequest('/webhooks/twilio/media', { http: '1.0' }), [403]],
      ['signed, Sec-WebSocket-Version 12', upgradeRequest('/webhooks/twilio/media', { headers: [...sig(good), ['Sec-WebSocket-Version', '12']] }), [400]],
      ['signed, no Sec-WebSocket-Key', upgradeRequest('/webhooks/twilio/media', { headers: sig(good), omit: ['Sec-WebSocket-Key'] }), [400]],
      ['signed, POST', upgradeRequest('/webhooks/twilio/media', { headers: sig(good), method: 'POST' }), [405]],
      ['a trailing slash', upgradeRequest('/webhooks/twilio/media/', { headers: sig(signature(`${STREAM_URL}/`)) }), [404]],
    ];
    const problems: string[] = [];
    for (const [label, request, allowed] of cases) {
      const before = await snapshot();
      const answer = await rawUpgrade(request);
      if (!allowed.includes(answer.status)) problems.push(`${label}: ${answer.status || 'no answer'}, not ${allowed.join('/')} (${answer.head.split('\r\n')[0]} ${answer.body.slice(0, 120)})`);
      await aftermath(label, before, problems);
    }
    expectNone(problems);
  });
});

// ---------------------------------------------------------------------------------------
// Frames on an admitted agent socket.

/** What the attacker sends on a fresh socket: text, a binary frame, or a message in fragments (with a ping among them). */
type Attack = string | { binary: Buffer } | { fragments: Array<string | Buffer> };
/** Mallory is offline: this status changes nothing and writes nothing, and its answer means her socket still works. */
const SENTINEL = { type: 'status', status: 'offline' };
const isSentinelAnswer = (m: Record<string, any>) => m.type === 'result' && m.for === 'status' && m.ok === true && m.state === 'offline' && m.changed === false;

/** A message of `type` with `fields`, each value written as raw JSON. */
const msg = (type: string, fields: Record<string, string> = {}) => `{"type":${JSON.stringify(type)}${Object.entries(fields).map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('')}}`;
const uuid = '6f1c8a52-3b9e-4c1d-9f7a-2e5b8d4c1a90';
/** `text` as UTF-8 in two fragments, cut inside the first `char`. */
const splitInside = (text: string, char: string) => {
  const bytes = Buffer.from(text);
  const at = bytes.indexOf(Buffer.from(char)) + 1;
  return [bytes.subarray(0, at), bytes.subarray(at)];
};

const FRAME_ATTACKS: Array<[label: string, attack: Attack, opts?: { silent?: boolean }]> = [
  // Not JSON.
  ...['', ' ', 'nope', '{', '{"type":"status"', '{"type":"status",}', "{'type':'status'}", 'NaN', 'undefined', '\u0000', '\ufeff{"type":"wrapup_done"}'].map((raw): [string, Attack] => [`not JSON: ${JSON.stringify(raw)}`, raw]),
  // JSON that is not an object.
  ...['42', '-1e309', '"status"', 'true', 'null', '[]', `[${msg('wrapup_done')}]`, '"\\u0000"'].map((raw): [string, Attack] => [`not an object: ${raw}`, raw]),
  // Prototype keys.
  ['__proto__ holding a message', `{"__proto__":${msg('wrapup_done')}}`],
  ['constructor.prototype holding a message', `{"constructor":{"prototype":${msg('accept', { reservationId: `"${uuid}"` })}}}`],
  ...['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'].map((type): [string, Attack] => [`type ${type}`, msg(type)]),
  ['a message with a polluting __proto__ and a bad field', `{"type":"status","status":"busy","__proto__":{"polluted":true}}`],
  // Unknown types.
  ...['teleport', 'ACK', 'ack ', ' ack', 'Accept', 'hello', 'screen_pop', 'result', 'error', 'ack\\u0000'].map((type): [string, Attack] => [`type ${JSON.stringify(type)}`, `{"type":"${type}","id":"m1"}`]),
  ...['null', '1', '["ack"]', '{"toString":"ack"}', 'true'].map((type): [string, Attack] => [`type as ${type}`, `{"type":${type},"id":"m1"}`]),
  ['no type', '{"id":"m1","reservationId":"x"}'],
  // Every client message with wrong-typed fields.
  ...['""', '5', 'null', 'true', '[]', '{}', `"${'x'.repeat(65)}"`, '["m1"]', '"m\\ud800"'].map((v): [string, Attack] => [`ack with id ${v.slice(0, 20)}`, msg('ack', { id: v })]),
  ['ack with no id', msg('ack')],
  ...['"1"', '-1', '1.5', '1e300', 'null', 'true', '[]', '{}', '9007199254740992', '2147483648', '9007199254740991', '-0.5'].map((v): [string, Attack] => [`resume with lastSeq ${v}`, msg('resume', { lastSeq: v })]),
  ['resume with no lastSeq', msg('resume')],
  ...['"busy"', '"AVAILABLE"', '"available "', '"wrap_up"', '"reserved"', '"on_call"', '"__proto__"', 'null', '1', '["away"]', '{}', '""'].map((v): [string, Attack] => [`status ${v}`, msg('status', { status: v })]),
  ['status with no status', msg('status', { reason: '"lunch"' })],
  ...[`"${'x'.repeat(101)}"`, `"${'ب'.repeat(101)}"`, '"   "', '5', 'null', '["lunch"]', '{"text":"lunch"}', `"lunch\\u0000"`].map((v): [string, Attack] => [`status away, reason ${v.slice(0, 20)}`, msg('status', { status: '"away"', reason: v })]),
  ...['accept', 'reject'].flatMap((type) =>
    ['"x"', '""', '5', 'null', '[]', '{}', `"${uuid.replaceAll('-', '')}"`, `"${uuid}\\u0000"`, `"${uuid} "`, '"../../etc/passwd"', `"${'a'.repeat(10_000)}"`].map((v): [string, Attack] => [`${type} with reservationId ${v.slice(0, 24)}`, msg(type, { reservationId: v })]),
  ),
  ['accept with no reservationId', msg('accept')],
  ['reject with no reservationId', msg('reject')],
  // Well-formed, about offers that do not exist: refused by routing, not written.
  ['accept of a reservation nobody was offered', msg('accept', { reservationId: `"${uuid}"` })],
  ['reject of the nil reservation', msg('reject', { reservationId: '"00000000-0000-0000-0000-000000000000"' })],
  ['wrapup_done by an offline agent, with extra fields', `{"type":"wrapup_done","status":"available","__proto__":{"x":1}}`],
  // No answer by design (an ack of a message that is not hers): the sentinel's answer follows it.
  ['ack of a message that does not exist', msg('ack', { id: `"${uuid}"` }), { silent: true }],
  // Size and nesting.
  ['60 KB of NUL escapes in a reason', msg('status', { status: '"away"', reason: `"${'\\u0000'.repeat(10_000)}"` })],
  ['60 KB of Arabic in a reason', msg('status', { status: '"away"', reason: `"${'ب'.repeat(30_000)}"` })],
  ['arrays nested 30,000 deep', '['.repeat(30_000) + ']'.repeat(30_000)],
  ['objects nested 10,000 deep', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ['deep nesting beside a bad field', msg('status', { status: '"busy"', extra: '['.repeat(20_000) + ']'.repeat(20_000) })],
  ['1 MB of text', 'x'.repeat(1024 * 1024)],
  // Binary and fragmented.
  ['a binary frame holding a valid message', { binary: Buffer.from(msg('wrapup_done')) }],
  ['an empty binary frame', { binary: Buffer.alloc(0) }],
  ['a fragmented resume out of range', { fragments: ['{"type":"res', 'ume","lastSeq":', '2147483648}'] }],
  ['a fragmented message with a character split between fragments', { fragments: splitInside('{"type":"status","status":"بب"}', 'ب') }],
  ['70 fragments of 1 KB', { fragments: Array.from({ length: 70 }, () => 'x'.repeat(1024)) }],
];

describe('frames on an admitted agent socket', () => {
  it('answers every hostile frame with an error or a refusal (or a protocol close), writes nothing, and keeps serving', async () => {
    const problems: string[] = [];
    for (const [label, attack, opts] of FRAME_ATTACKS) {
      const s = await connectAgent(server.url, tokenFor('agent', 'mallory'));
      await s.next((m) => m.type === 'hello');
      const hello = s.received.length;
      const before = await snapshot();
      const closed = new Promise<number>((resolve) => s.ws.once('close', (code) => resolve(code)));
      if (typeof attack === 'string') s.ws.send(attack);
      else if ('binary' in attack) s.ws.send(attack.binary, { binary: true });
      else {
        attack.fragments.forEach((part, i) => {
          s.ws.send(part, { binary: false, fin: i === attack.fragments.length - 1 });
          if (i === 0) s.ws.ping();
        });
      }
      if (s.ws.readyState === WebSocket.OPEN) s.send(SENTINEL);
      // Done when the socket closed, or both the attack's answer (unless it has none) and the sentinel's are in.
      const answered = new Promise<void>((resolve) => {
        const check = () => {
          const after = s.received.slice(hello);
          if (after.some(isSentinelAnswer) && (opts?.silent || after.some((m) => !isSentinelAnswer(m)))) resolve();
        };
        s.ws.on('message', check);
        check();
      });
      const code = await Promise.race([closed, answered.then(() => undefined)]);
      const replies = s.received.slice(hello).filter((m) => !isSentinelAnswer(m));
      if (code !== undefined && ![1007, 1009].includes(code)) problems.push(`${label}: closed with ${code}`);
      for (const m of replies) {
        const refused = (m.type === 'error' && m.code === 'BAD_MESSAGE' && typeof m.message === 'string') || (m.type === 'result' && m.ok === false && ['NOT_FOUND', 'FORBIDDEN', 'CONFLICT'].includes(m.error?.code));
        if (!refused) problems.push(`${label}: answered ${JSON.stringify(m).slice(0, 200)}`);
      }
      if (code === undefined && !opts?.silent && replies.length !== 1) problems.push(`${label}: ${replies.length} answers`);
      await s.close();
      await aftermath(label, before, problems);
    }
    expectNone(problems);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 180_000);

  it('closes a socket that breaks the protocol with its code (1002, 1007, 1009), or cuts a ping flood, and only that socket', async () => {
    const status = msg('status', { status: '"away"', reason: '"x"' });
    const attacks: Array<[label: string, frames: Buffer[], codes: number[]]> = [
      ['an unmasked frame', [frame(0x1, status, { mask: false })], [1002]],
      ...[1, 2, 4].map((rsv): [string, Buffer[], number[]] => [`RSV bits ${rsv}`, [frame(0x1, status, { rsv })], [1002]]),
      ...[0x3, 0x7, 0xb, 0xf].map((op): [string, Buffer[], number[]] => [`reserved opcode ${op}`, [frame(op, 'x')], [1002]]),
      ['a continuation with nothing to continue', [frame(0x0, status)], [1002]],
      ['a new message inside a fragmented one', [frame(0x1, '{"type":', { fin: false }), frame(0x1, status)], [1002]],
      ['a fragmented ping', [frame(0x9, 'x', { fin: false })], [1002]],
      ['a 126-byte ping', [frame(0x9, 'x'.repeat(126))], [1002]],
      ['a close frame with one byte', [frame(0x8, Buffer.from([0x03]))], [1002]],
      ...[999, 1004, 1005, 1006, 1015, 2999, 5000].map((c): [string, Buffer[], number[]] => [`close code ${c}`, [closeFrame(c)], [1002]]),
      ['a close reason that is not UTF-8', [closeFrame(1000, Buffer.from([0xff, 0xfe]))], [1007]],
      ['invalid UTF-8 split across fragments', [frame(0x1, Buffer.from('{"type":"status","reason":"'), { fin: false }), frame(0x0, Buffer.from([0xd8]), { fin: false }), frame(0x0, Buffer.from([0x28, 0x22, 0x7d]))], [1007]],
      ['a length of 2^63', [frame(0x1, 'x', { length: 1n << 63n })], [1009]],
      ['a length of 2^53 + 1', [frame(0x1, 'x', { length: (1n << 53n) + 1n })], [1009]],
      ['a length of 1 TB, then nothing', [frame(0x1, 'x', { length: 1n << 40n })], [1009]],
      ['a binary frame of 65 KiB', [frame(0x2, Buffer.alloc(65 * 1024))], [1009]],
      ['5,000 pings at once', Array.from({ length: 5000 }, () => frame(0x9, 'ping')), [1006]],
      ['1,100 frames of NUL bytes at once', Array.from({ length: 1100 }, () => frame(0x1, '\u0000')), [1008]],
    ];
    const problems: string[] = [];
    for (const [label, frames, codes] of attacks) {
      const before = await snapshot();
      const { code, messages } = await rawSession('/ws/agent', tokenFor('agent', 'mallory'), frames);
      if (!codes.includes(code)) problems.push(`${label}: closed with ${code}, not ${codes.join('/')}`);
      const unexpected = messages.filter((m) => !(m.type === 'error' && ['BAD_MESSAGE', 'RATE_LIMITED'].includes(m.code)));
      if (unexpected.length) problems.push(`${label}: answered ${JSON.stringify(unexpected).slice(0, 200)}`);
      await aftermath(label, before, problems);
    }
    expectNone(problems);
  }, 120_000);
});

describe("another agent's offer", () => {
  /** An unknown caller picks Arabic, billing, and keys an account number; the call is offered to Sara. */
  async function billingCall(): Promise<void> {
    const p = { CallSid: newCallSid(), From: '+966559990000', To: '+966920000000' };
    const first = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    const steps = first.text.includes('For English, press 2') ? ['1', '1', '12345678'] : ['1', '12345678'];
    for (const [i, digits] of steps.entries()) await postTwilio(t.app, `/webhooks/twilio/gather?seq=${i + 1}`, { ...p, Digits: digits });
  }

  it('cannot be accepted, rejected, acknowledged or replayed by the attacker; nothing is written and Sara keeps it', async () => {
    const sara = await connectAgent(server.url, tokenFor('agent', 'sara'));
    await sara.next((m) => m.type === 'hello');
    sara.send({ type: 'status', status: 'available' });
    await sara.next((m) => m.type === 'result' && m.for === 'status');
    await billingCall();
    const pop = await sara.next((m) => m.type === 'screen_pop');
    const reservationId = pop.reservation.id as string;
    await t.settle();

    const problems: string[] = [];
    const answerTo = (type: string) => (m: Record<string, any>) => m.type === 'error' || (m.type === 'result' && m.for === type);
    const attacks: Array<[label: string, message: Record<string, unknown>, answer: ((m: Record<string, any>) => boolean) | undefined]> = [
      ['accept', { type: 'accept', reservationId }, answerTo('accept')],
      ['reject', { type: 'reject', reservationId }, answerTo('reject')],
      ['accept, upper case', { type: 'accept', reservationId: reservationId.toUpperCase() }, answerTo('accept')],
      ['reject, upper case', { type: 'reject', reservationId: reservationId.toUpperCase() }, answerTo('reject')],
      // No answer by design: the sentinel's answer comes after.
      ['ack of her pop', { type: 'ack', id: pop.id }, undefined],
      ['resume from 0', { type: 'resume', lastSeq: 0 }, undefined],
    ];
    for (const [label, message, answer] of attacks) {
      const mallory = await connectAgent(server.url, tokenFor('agent', 'mallory'));
      await mallory.next((m) => m.type === 'hello');
      const before = await snapshot();
      mallory.send(message);
      mallory.send(SENTINEL);
      await mallory.next(isSentinelAnswer);
      if (answer) {
        const reply = await mallory.next(answer);
        const refused = (reply.type === 'error' && reply.code === 'BAD_MESSAGE') || (reply.ok === false && ['FORBIDDEN', 'NOT_FOUND'].includes(reply.error?.code));
        if (!refused) problems.push(`${label}: answered ${JSON.stringify(reply)}`);
      }
      // Her pop never reaches the attacker's socket, not even replayed.
      if (mallory.received.some((m) => m.type === 'screen_pop' || m.type === 'reservation')) problems.push(`${label}: the attacker got ${JSON.stringify(mallory.received.map((m) => m.type))}`);
      await mallory.close();
      await aftermath(label, before, problems);
    }
    expectNone(problems);
    expect(await t.db.prisma.callEvent.count({ where: { type: { in: ['pop_delivered', 'accepted'] } } })).toBe(0);

    // Sara still holds her offer: her own reject is taken.
    sara.send({ type: 'reject', reservationId });
    expect(await sara.next((m) => m.type === 'result' && m.for === 'reject')).toMatchObject({ ok: true, reservationId });
    sara.send({ type: 'status', status: 'offline' });
    await sara.next((m) => m.type === 'result' && m.for === 'status' && m.state === 'offline');
    await sara.close();
    await t.settle();
  });
});

describe('frames on an admitted supervisor socket', () => {
  it('answers hostile frames with BAD_MESSAGE, closes protocol violations with their code, and keeps serving', async () => {
    const problems: string[] = [];
    const token = tokenFor('supervisor', 'sup-huda');
    const texts: Attack[] = [
      'nope', '', '42', 'null', '[]', '"refresh"', '{"type":"refresh "}', '{"type":"REFRESH"}', '{"type":["refresh"]}', '{"type":null}', '{"__proto__":{"type":"refresh"}}', '{"type":"__proto__"}',
      '{"type":"constructor"}', '\u0000', '{"type":"refresh\\u0000"}', '['.repeat(2000) + ']'.repeat(2000), { binary: Buffer.from('{"type":"refresh"}') }, { fragments: ['{"type":', '"status"}'] },
    ];
    for (const attack of texts) {
      const label = `supervisor: ${JSON.stringify(attack).slice(0, 40)}`;
      const s = await connectAgent(server.url, token, '/ws/supervisor');
      await s.next((m) => m.type === 'hello');
      const before = await snapshot();
      if (typeof attack === 'string') s.ws.send(attack);
      else if ('binary' in attack) s.ws.send(attack.binary, { binary: true });
      else attack.fragments.forEach((part, i) => s.ws.send(part, { binary: false, fin: i === attack.fragments.length - 1 }));
      const reply = await s.next((m) => m.type === 'error');
      if (reply.code !== 'BAD_MESSAGE') problems.push(`${label}: answered ${JSON.stringify(reply)}`);
      if (s.ws.readyState !== WebSocket.OPEN) problems.push(`${label}: closed`);
      await s.close();
      await aftermath(label, before, problems);
    }
    const raw: Array<[label: string, frames: Buffer[], codes: number[]]> = [
      ['an unmasked frame', [frame(0x1, '{"type":"refresh"}', { mask: false })], [1002]],
      ['RSV1', [frame(0x1, '{"type":"refresh"}', { rsv: 4 })], [1002]],
      ['opcode 0xb', [frame(0xb, 'x')], [1002]],
      ['close code 1005', [closeFrame(1005)], [1002]],
      ['a length of 2^63', [frame(0x1, 'x', { length: 1n << 63n })], [1009]],
      ['5 KiB in fragments of 100 bytes', Array.from({ length: 52 }, (_, i) => frame(i === 0 ? 0x1 : 0x0, 'x'.repeat(100), { fin: i === 51 })), [1009]],
    ];
    for (const [label, frames, codes] of raw) {
      const before = await snapshot();
      const { code } = await rawSession('/ws/supervisor', token, frames);
      if (!codes.includes(code)) problems.push(`supervisor, ${label}: closed with ${code}, not ${codes.join('/')}`);
      await aftermath(`supervisor, ${label}`, before, problems);
    }
    expectNone(problems);
    const fine = await connectAgent(server.url, token, '/ws/supervisor');
    expect(await fine.next((m) => m.type === 'hello')).toMatchObject({ user: { id: 'sup-huda' } });
    await fine.close();
  }, 120_000);
});

// ---------------------------------------------------------------------------------------
// Twilio Media Streams frames.

const mediaFixture = (name: string, requestId = '') => JSON.parse(readFileSync(path.join(MEDIA_FIXTURES, name), 'utf8').replace('{{requestId}}', requestId)) as Record<string, any>;
/** The fixture's start for `requestId` (any text, set after parsing), with `start`'s fields replaced. */
const startFor = (requestId: string, start: Record<string, unknown> = {}) => {
  const f = mediaFixture('good/start.json');
  return { ...f, start: { ...f.start, customParameters: { requestId }, ...start } };
};
const mediaFrame = (i: number, over: Record<string, unknown> = {}) => {
  const f = mediaFixture('good/media-genuine.json');
  return { ...f, sequenceNumber: String(i + 2), media: { ...f.media, chunk: String(i + 1), timestamp: String(i * 20), ...over } };
};

let customers = 0;
/** An enrolled caller's open verification (10 s of speech), waiting for its stream. */
async function openRequest(): Promise<string> {
  const customerId = `cust-hostile-${++customers}`;
  await t.services.customers.upsert({ id: customerId, name: 'Media Caller', phones: [], language: 'ar', tier: 'standard' });
  const { speakerId } = await voice.enrolment(customerId);
  vendor.enrolled.set(speakerId, 'genuine');
  const { requestId } = await voice.open({ callId: `call-hostile-${customers}`, customerId, kind: 'verify', speechSeconds: 10, source: { kind: 'media_stream' } });
  return requestId;
}

function mediaSocket() {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/webhooks/twilio/media`, { headers: { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, STREAM_URL, {}) } });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`media upgrade refused: ${res.statusCode}`)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const send = (m: unknown) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  };
  return { ws, opened, closed, send };
}

/** Requests whose streams were broken off: none may reach the vendor (checked again once the server has shut down). */
const brokenOff: Array<{ label: string; requestId: string }> = [];

describe('Twilio Media Streams frames', () => {
  it('closes a stream on a hostile message before start with 1003 or 1008 and a reason that fits a close frame', async () => {
    const base = startFor('no-such-request');
    const attacks: Array<[label: string, messages: unknown[], codes: number[]]> = [
      ...['null', '[]', '42', '"start"', 'true', '{}', '{"event":null}', '{"event":["start"]}', `{"event":"${'x'.repeat(65)}"}`].map((raw): [string, unknown[], number[]] => [`the message ${raw.slice(0, 20)}`, [raw], [1003]]),
      ['a start that is null', [{ event: 'start', start: null, streamSid: 'MZ1' }], [1003]],
      ['a start without streamSid', [{ ...base, streamSid: undefined }], [1003]],
      ['a 10 KB streamSid', [{ ...base, streamSid: 'MZ'.repeat(5000) }], [1003]],
      ['a start without callSid', [startFor('no-such-request', { callSid: undefined })], [1003]],
      ['customParameters null', [startFor('x', { customParameters: null })], [1003]],
      ['customParameters an array', [startFor('x', { customParameters: ['requestId'] })], [1003]],
      ['requestId a number', [startFor('x', { customParameters: { requestId: 42 } })], [1003]],
      ['requestId with a NUL byte', [startFor(`req${NUL}1`)], [1003]],
      ['requestId with a lone surrogate', [startFor(`req${LONE}1`)], [1003, 1008]],
      ['requestId __proto__', [startFor('__proto__')], [1008]],
      ['requestId of 501 characters', [startFor('r'.repeat(501))], [1003]],
      ['an Arabic parameter name with a bad value', [startFor('x', { customParameters: { ['مفتاح'.repeat(30)]: 5 } })], [1003]],
      ['an emoji parameter name with a bad value', [startFor('x', { customParameters: { ['😀'.repeat(60)]: 'v'.repeat(501) } })], [1003]],
      ['a parameter name with a NUL byte', [startFor('x', { customParameters: { [`a${NUL}b`]: 5 } })], [1003]],
      ['a __proto__ parameter', [{ ...base, start: { ...base.start, customParameters: JSON.parse('{"__proto__":{"requestId":"x"}}') } }], [1003, 1008]],
      ...(
        [
          ['audio/x-mulaw', '16000', '1'],
          ['audio/x-mulaw', '8000.0', '1'],
          ['audio/x-mulaw', '8000', '2'],
          ['audio/x-mulaw', '٨٠٠٠', '1'],
          ['audio/x-mulaw', 1e21, 1],
          ['audio/x-mulaw', -8000, 1],
          ['audio/x-mulaw', '0x1F40', '1'],
          ['audio/l16', '8000', '1'],
          [`audio/x-mulaw${NUL}`, '8000', '1'],
          [null, '8000', '1'],
        ] as Array<[unknown, unknown, unknown]>
      ).map(([encoding, sampleRate, channels]): [string, unknown[], number[]] => [`mediaFormat ${JSON.stringify([encoding, sampleRate, channels])}`, [startFor('x', { mediaFormat: { encoding, sampleRate, channels } })], [1003]]),
      ['media before start, with chunk "abc"', [mediaFrame(0, { chunk: 'abc' })], [1003, 1008]],
      // Events carrying nothing for us are ignored; the stream is then refused for its request.
      ['event constructor, then a start', [{ event: 'constructor' }, base], [1008]],
      ['event __proto__, then a start', ['{"event":"__proto__","__proto__":{"event":"start"}}', base], [1008]],
      ['a dtmf with a NUL digit, then a start', [{ event: 'dtmf', dtmf: { digit: NUL } }, base], [1003, 1008]],
    ];
    const problems: string[] = [];
    for (const [label, messages, codes] of attacks) {
      const before = await snapshot();
      const c = mediaSocket();
      await c.opened;
      for (const m of messages) c.send(m);
      const { code, reason } = await c.closed;
      if (!codes.includes(code)) problems.push(`${label}: closed with ${code} (${reason}), not ${codes.join('/')}`);
      if (Buffer.byteLength(reason) > 123) problems.push(`${label}: a close reason of ${Buffer.byteLength(reason)} bytes`);
      await aftermath(label, before, problems);
    }
    expectNone(problems);
  }, 120_000);

  it('drops the audio of a stream that breaks off with a hostile message: nothing reaches the vendor, the request stays open', async () => {
    const attacks: Array<[label: string, send: (c: ReturnType<typeof mediaSocket>, requestId: string) => void, code: number]> = [
      ['a binary frame', (c) => c.ws.send(Buffer.from([0xff, 0x00, 0x7f]), { binary: true }), 1003],
      ['invalid UTF-8', (c) => c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }), 1007],
      ['a frame over 64 KiB', (c) => c.ws.send(JSON.stringify({ event: 'media', media: { payload: 'A'.repeat(70 * 1024) } })), 1009],
      ['a second start', (c, requestId) => c.send(startFor(requestId)), 1008],
      ['a chunk that is not a number', (c) => c.send(mediaFrame(200, { chunk: 'abc' })), 1003],
      ['a timestamp below zero', (c) => c.send(mediaFrame(200, { timestamp: '-20' })), 1003],
      ['a payload over the chunk limit', (c) => c.send(mediaFrame(200, { payload: Buffer.alloc(9000, 0x7f).toString('base64') })), 1003],
      ['a payload that is not base64', (c) => c.send(mediaFrame(200, { payload: '%%%=' })), 1003],
      ['text that is not JSON', (c) => c.send('{"event":"media"'), 1003],
    ];
    const problems: string[] = [];
    for (const [label, attack, expected] of attacks) {
      const requestId = await openRequest();
      const before = await snapshot();
      const c = mediaSocket();
      await c.opened;
      c.send(startFor(requestId));
      // Two seconds of speech: short of the ten the request needs.
      for (let i = 0; i < 100; i++) c.send(mediaFrame(i));
      attack(c, requestId);
      const { code, reason } = await c.closed;
      brokenOff.push({ label, requestId });
      if (code !== expected) problems.push(`${label}: closed with ${code} (${reason}), not ${expected}`);
      if (vendor.requests.some((r) => (r.body as { requestId?: string } | undefined)?.requestId === requestId)) problems.push(`${label}: the audio reached the vendor`);
      await aftermath(label, before, problems);
    }
    expectNone(problems);
  }, 120_000);

  it('does not read sequenceNumber: a stream whose sequence numbers are words still verifies', async () => {
    const requestId = await openRequest();
    const c = mediaSocket();
    await c.opened;
    c.send({ ...startFor(requestId), sequenceNumber: 'one' });
    for (let i = 0; i < 520; i++) c.send({ ...mediaFrame(i), sequenceNumber: ['abc', '-1', '1e999', '', 'NaN'][i % 5] });
    expect(await c.closed).toEqual({ code: 1000, reason: 'audio received' });
    expect(await voice.outcome(requestId, 10_000)).toMatchObject({ status: 'result', result: { requestId, decision: 'match' } });
  });
});

// ---------------------------------------------------------------------------------------
// API Gateway's WebSocket API (Lambda): the same admission and messages, as handlers.

describe("API Gateway's $connect, $default and $disconnect", () => {
  const api = mockClient(ApiGatewayManagementApiClient);
  let socket: ReturnType<typeof createApiGatewaySocket>;
  const greeted: string[] = [];
  beforeAll(() => {
    const connections = createAgentConnectionStore(t.db.prisma);
    const push = createApiGatewayPush({ connections, logger: pino({ level: 'silent' }) });
    socket = createApiGatewaySocket({ ...t.softphones, connections, push, greetLater: async (id) => void greeted.push(id), logger: pino({ level: 'silent' }), now: () => t.clock.now });
    api.on(PostToConnectionCommand).resolves({});
  });
  afterAll(() => api.restore());

  const event = (routeKey: string, connectionId: string, more: Partial<WebSocketApiEvent> = {}): WebSocketApiEvent => ({
    requestContext: { routeKey, connectionId, domainName: 'abc123.execute-api.me-south-1.amazonaws.com', stage: 'prod' },
    ...more,
  });
  const posted = () => api.commandCalls(PostToConnectionCommand).map((c) => JSON.parse(Buffer.from(c.args[0].input.Data as Uint8Array).toString('utf8')) as Record<string, any>);

  it('refuses $connect with a bad token in the header or the query (401), another role or an unknown agent (403), recording nothing', async () => {
    const cases: Array<[label: string, more: Partial<WebSocketApiEvent>, status: number]> = [
      ['no headers at all', { headers: null, queryStringParameters: null }, 401],
      ['bearer alone', { headers: { 'Sec-WebSocket-Protocol': 'bearer' } }, 401],
      ['bearer and an empty token', { headers: { 'sec-websocket-protocol': 'bearer, ' } }, 401],
      ['a header whose value is missing', { headers: { 'Sec-WebSocket-Protocol': undefined } }, 401],
      ['an empty ?token=', { queryStringParameters: { token: '' } }, 401],
      ['a bad token in the header, a good one in the query', { headers: { 'Sec-WebSocket-Protocol': 'bearer, garbage' }, queryStringParameters: { token: tokenFor('agent', 'noura') } }, 401],
      ['a __proto__ header', { headers: JSON.parse(`{"__proto__":{"sec-websocket-protocol":"bearer, ${tokenFor('agent', 'noura')}"}}`) }, 401],
      ['a 100 KB token', { queryStringParameters: { token: 'a'.repeat(100_000) } }, 401],
      ...BAD_TOKENS().flatMap(([label, token]): Array<[string, Partial<WebSocketApiEvent>, number]> => [
        [`${label} in the header`, { headers: { 'Sec-WebSocket-Protocol': `bearer, ${token}` } }, 401],
        [`${label} in the query`, { queryStringParameters: { token } }, 401],
      ]),
      ...(['supervisor', 'admin', 'service'] as TRole[]).map((role): [string, Partial<WebSocketApiEvent>, number] => [`a ${role}`, { headers: { 'Sec-WebSocket-Protocol': `bearer, ${tokenFor(role, 'noura')}` } }, 403]),
      ...[ARABIC, '😀', '__proto__', 'constructor'].map((sub): [string, Partial<WebSocketApiEvent>, number] => [`the unknown agent ${sub}`, { queryStringParameters: { token: tokenFor('agent', sub) } }, 403]),
    ];
    const problems: string[] = [];
    for (const [label, more, status] of cases) {
      const before = await snapshot();
      const res = await socket.handle(event('$connect', `conn-${label}`, more));
      const body = JSON.parse(res.body ?? 'null') as { error?: { code?: unknown; message?: unknown } } | null;
      if (res.statusCode !== status || typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string') problems.push(`${label}: ${JSON.stringify(res).slice(0, 200)}`);
      await aftermath(`$connect, ${label}`, before, problems);
    }
    expectNone(problems);
    expect(greeted).toEqual([]);
  }, 120_000);

  it('answers garbage on $default with BAD_MESSAGE or a refusal (never INTERNAL), writes nothing; $disconnect of an unknown id is harmless', async () => {
    expect(await socket.handle(event('$connect', 'conn-mallory', { headers: { 'Sec-WebSocket-Protocol': `bearer, ${tokenFor('agent', 'mallory')}` } }))).toMatchObject({ statusCode: 200 });
    const bodies: Array<[label: string, more: Partial<WebSocketApiEvent>]> = [
      ['no body', {}],
      ['a null body', { body: null }],
      ['base64-encoded', { body: Buffer.from(msg('wrapup_done')).toString('base64'), isBase64Encoded: true }],
      ['base64-encoded garbage', { body: '%%%', isBase64Encoded: true }],
      ['1 MB', { body: msg('status', { status: '"away"', reason: `"${'x'.repeat(1024 * 1024)}"` }) }],
      ['nested 100,000 deep', { body: '['.repeat(100_000) + ']'.repeat(100_000) }],
      ...FRAME_ATTACKS.filter(([, attack, opts]) => typeof attack === 'string' && !opts?.silent).map(([label, attack]): [string, Partial<WebSocketApiEvent>] => [label, { body: attack as string }]),
    ];
    const problems: string[] = [];
    for (const [label, more] of bodies) {
      api.resetHistory();
      const before = await snapshot();
      const res = await socket.handle(event('$default', 'conn-mallory', more));
      const answers = posted();
      if (res.statusCode !== 200) problems.push(`${label}: ${JSON.stringify(res)}`);
      if (answers.length !== 1) problems.push(`${label}: ${answers.length} answers`);
      for (const m of answers) {
        const refused = (m.type === 'error' && m.code === 'BAD_MESSAGE') || (m.type === 'result' && m.ok === false && ['NOT_FOUND', 'FORBIDDEN', 'CONFLICT'].includes(m.error?.code));
        if (!refused) problems.push(`${label}: answered ${JSON.stringify(m).slice(0, 200)}`);
      }
      await aftermath(`$default, ${label}`, before, problems);
    }
    // Unknown connections: told to reconnect; removed twice, or never known, without a trace.
    for (const [label, e] of [
      ['$default from an unknown connection', event('$default', 'conn-unknown', { body: 'garbage' })],
      ['$disconnect of an unknown connection', event('$disconnect', 'conn-unknown')],
      ['a route nobody configured', event('$foo', 'conn-unknown', { body: msg('wrapup_done') })],
    ] as const) {
      api.resetHistory();
      const before = await snapshot();
      expect(await socket.handle(e), label).toEqual({ statusCode: 200 });
      if (posted().some((m) => m.code !== 'UNAUTHORIZED')) problems.push(`${label}: answered ${JSON.stringify(posted())}`);
      await aftermath(label, before, problems);
    }
    expectNone(problems);
    // Mallory's connection is still hers and still served; her $disconnect removes only it.
    api.resetHistory();
    await socket.handle(event('$default', 'conn-mallory', { body: JSON.stringify(SENTINEL) }));
    expect(posted()).toEqual([expect.objectContaining({ type: 'result', for: 'status', ok: true, state: 'offline', changed: false })]);
    await socket.handle(event('$disconnect', 'conn-mallory'));
    await socket.handle(event('$disconnect', 'conn-mallory'));
    expect(await t.db.prisma.agentConnection.count()).toBe(0);
  }, 120_000);
});

describe('after the sweep', () => {
  it('the bystander was never disturbed, nothing was left unhandled, and broken-off streams never reached the vendor', async () => {
    bystander.send({ type: 'status', status: 'away', reason: 'after the sweep' });
    expect(await bystander.next((m) => m.type === 'result' && m.for === 'status')).toMatchObject({ ok: true, state: 'away' });
    expect(bystander.received.filter((m) => m.type === 'error' || m.type === 'screen_pop')).toEqual([]);
    await stillServing('the sweep');
    expect(unhandled).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Shutting down waits for audio still on its way to the vendor: none of the broken-off streams' may be.
    await server.close();
    serverClosed = true;
    expect(brokenOff.length).toBeGreaterThan(0);
    const reached = vendor.requests.map((r) => (r.body as { requestId?: string } | undefined)?.requestId);
    expect(brokenOff.filter((b) => reached.includes(b.requestId)).map((b) => b.label)).toEqual([]);
    const requests = await t.db.prisma.biometricRequest.findMany({ where: { id: { in: brokenOff.map((b) => b.requestId) } }, select: { status: true } });
    expect(requests.map((r) => r.status)).toEqual(brokenOff.map(() => 'open'));
  });
});
