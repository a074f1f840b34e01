/**
 * A hostile client against every route the app mounts. The routes are read from the app's
 * own router stack, so a route added later is swept without anyone remembering to list it.
 * Whatever arrives (garbage, wrong types, `__proto__`, NUL bytes, lone surrogates, broken
 * escapes, nesting deeper than the call stack, bad tokens, unsigned webhooks), the answer
 * is a 4xx (or a success for input that happens to be valid), never a 5xx; /api answers
 * `{ error: { code, message } }`; a refused request writes nothing; and the process still
 * answers afterwards. Connect's Lambda handlers get the same treatment.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { GetCurrentMetricDataCommand } from '@aws-sdk/client-connect';
import jwt from 'jsonwebtoken';
import twilio from 'twilio';
import { afterAll, describe, expect, it } from 'vitest';
import { signToken, type TRole } from '../../src/auth/tokens.js';
import { signBiometricsBody } from '../../src/biometrics/vendor-signature.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { exampleKnownNames, exampleRuleSet } from '../../src/routing/rules/index.js';
import { TEST_CONFIG } from '../helpers/test-app.js';
import { createConnectTestApp } from '../webhooks/connect/connect-test-app.js';

const BIOMETRICS_SECRET = 'sweep-biometrics-secret';
const JWT_SECRET = TEST_CONFIG.jwt.secret;

// Built at collection time: the routes to sweep are read from the app itself. With Amazon
// Connect configured (a mocked SDK client) and softphone audio (Twilio API key), so their routes are reachable too.
const t = await createConnectTestApp({
  biometrics: { webhookSecret: BIOMETRICS_SECRET, deadlineMs: 5000 },
  twilioVoice: { apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: 'sweep-voice-secret', twimlAppSid: 'AP0123456789abcdef0123456789abcdef' },
});
for (const queue of exampleKnownNames.queues) await t.services.rules.addQueue(queue, {});
await t.services.agents.upsert('noura', { name: 'Noura', skills: Object.fromEntries(exampleKnownNames.skills.map((s) => [s, 3])), languages: ['ar'] });
await t.services.customers.upsert({ id: 'cust-1', name: 'Sara', phones: ['+966501234567'], language: 'ar', tier: 'standard' });
// Twilio's callers walk the demo IVR rather than the no-flow fallback, whose writes may land after the answer.
await t.services.flows.publish('main', demoFlowDefinition, { comment: 'sweep' });
// Connect's live numbers for GET /api/connect/queues (none waiting).
t.connectMock.on(GetCurrentMetricDataCommand).resolves({ MetricResults: [] });
const server = http.createServer(t.app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const agent = new http.Agent({ keepAlive: true });

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

// ---------------------------------------------------------------------------------------
// The routes, from the app's router stack (Express 5 / router 2: `rawPath` is the mount path).

interface Route {
  method: string;
  path: string;
  kind: 'api' | 'twilio' | 'biometrics' | 'static' | 'other';
}

interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[]; name?: string };
  name?: string;
}

const join = (a: string, b: string) => (a + (b === '/' ? '' : b)).replace(/\/{2,}/g, '/') || '/';

function mountedRoutes(app: { router: { stack: Layer[] } }): Route[] {
  const out: Route[] = [];
  const kindOf = (path: string): Route['kind'] =>
    path.startsWith('/api/') ? 'api' : path.startsWith('/webhooks/twilio/') ? 'twilio' : path.startsWith('/webhooks/biometrics/') ? 'biometrics' : 'other';
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raws = [layer.rawPath ?? '/'].flat();
      for (const raw of raws) {
        if (layer.route) {
          for (const p of [layer.route.path].flat()) {
            for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
              const path = join(prefix, p);
              out.push({ method: method.toUpperCase(), path, kind: kindOf(path) });
            }
          }
        } else if (layer.handle?.stack) {
          walk(layer.handle.stack, join(prefix, raw));
        } else if (layer.name === 'serveStatic') {
          out.push({ method: 'GET', path: join(prefix, raw), kind: 'static' });
        }
      }
    }
  };
  walk(app.router.stack, '');
  return out;
}

const routes = mountedRoutes(t.app as never);

// ---------------------------------------------------------------------------------------
// A raw HTTP client: paths, headers and bodies go out exactly as written.

interface Reply {
  status: number;
  type: string;
  text: string;
}

function send(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer; fresh?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...opts.headers };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: opts.fresh ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Row counts of the tables a request could write (the access log records refusals too, by design). */
const COUNTED = [
  'Customer', 'CustomerPhone', 'Interaction', 'Agent', 'AgentStateEvent', 'RoutingQueue', 'RoutingRuleSet', 'RoutingActive', 'RoutingAudit',
  'IvrFlow', 'Call', 'CallStep', 'CallEvent', 'Consent', 'CustomerPin', 'WatchlistEntry', 'WatchlistAudit', 'Reservation', 'QueueEntry',
  'QueueSurvey', 'ErasureReceipt', 'SurveyResponse', 'BiometricRequest', 'ProviderResource', 'DispositionCode',
];
const COUNT_SQL = `SELECT ${COUNTED.map((table) => `(SELECT count(*)::int FROM "${table}") AS "${table}"`).join(', ')}`;
async function counts(): Promise<Record<string, number>> {
  const [row] = await t.db.prisma.$queryRawUnsafe<Array<Record<string, number>>>(COUNT_SQL);
  return row!;
}

// ---------------------------------------------------------------------------------------
// Hostile material.

const NUL = '\u0000';
const LONE = '\ud800';
const ARABIC = 'عميل مهم جداً '.repeat(40);
const enc = encodeURIComponent;

/** Path parameter values as they appear on the wire. */
const PARAM_VALUES = [
  '%00', 'a%00b', '..', '%2e%2e', '..%2f..%2fpackage.json', '%2F', 'x'.repeat(5000), '%E0%A4%A', '%ED%A0%80', '%FF%FE', '%C0%AF',
  enc('عميل'), '__proto__', 'constructor', 'prototype', 'hasOwnProperty', '%20', '-1', '0', '1e999', '99999999999999999999', 'NaN', 'null', '%25',
];

/** For the roles after the first: what a role's own rules about ids (an agent acts for itself) might mishandle. */
const ROLE_PARAM_VALUES = ['%00', '..', 'x'.repeat(5000), '%ED%A0%80', '__proto__'];

/** Query string keys the /api routes read, each sent twice, as an object, with NUL, huge, and as an absurd number; then a few at once. */
const QUERY_KEYS = ['phone', 'cursor', 'channel', 'limit', 'from', 'to', 'interval', 'queue', 'agent', 'customerId', 'actor'];
const QUERIES = [
  ...QUERY_KEYS.flatMap((k) => [`${k}=a&${k}=b`, `${k}[x]=1`, `${k}=%00`, `${k}=${'9'.repeat(4000)}`, `${k}=-1e308`]),
  `phone=%ED%A0%80&cursor=%ED%A0%80&from=%ED%A0%80&actor=%ED%A0%80`, `phone=${enc(ARABIC)}&actor=${enc(ARABIC)}&cursor=${enc(ARABIC)}`,
  // Dates at and past the ends of what JavaScript and PostgreSQL hold.
  'from=275760-09-13&interval=1d', 'from=%2B275760-09-12T23:00:00Z', 'from=-271821-04-20&to=-271821-04-21', 'from=0000-01-01&to=0000-01-02',
  'from=9999-12-31T23:59:59Z&interval=1d', 'from=2026-02-30&to=2026-13-01', 'from=1&to=999999999999', 'from=P1D&to=now',
  '__proto__=1', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', '%E0%A4%A=1', 'a=%E0%A4%A', `${'k=1&'.repeat(2000)}z=1`, '=', '&&&', '%00=%00',
];

/** The deepest JSON that fits under /api's 256 kb limit. */
const DEEP_ARRAY = '['.repeat(100_000) + ']'.repeat(100_000);
const DEEP_OBJECT = '{"a":'.repeat(40_000) + '1' + '}'.repeat(40_000);

/** Whole bodies, raw, with a content type. */
const BODIES: Array<[label: string, contentType: string | undefined, body: string | Buffer]> = [
  ['empty JSON', 'application/json', ''],
  ['truncated JSON', 'application/json', '{"a":'],
  ['trailing comma', 'application/json', '{"a":1,}'],
  ['null', 'application/json', 'null'],
  ['a string', 'application/json', '"text"'],
  ['a number', 'application/json', '42'],
  ['true', 'application/json', 'true'],
  ['an array', 'application/json', '[]'],
  ['an array of objects', 'application/json', '[{"name":"x"}]'],
  ['an empty object', 'application/json', '{}'],
  ['__proto__ key', 'application/json', '{"__proto__":{"polluted":true,"role":"admin"}}'],
  ['constructor.prototype key', 'application/json', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['NUL in a key and a value', 'application/json', '{"a\\u0000":"b\\u0000"}'],
  ['lone surrogate', 'application/json', '{"name":"\\ud800","x":"\\udfff"}'],
  ['invalid UTF-8 bytes', 'application/json', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('"}')])],
  ['deeply nested arrays', 'application/json', DEEP_ARRAY],
  ['deeply nested objects', 'application/json', DEEP_OBJECT],
  ['over the size limit', 'application/json', JSON.stringify({ name: 'x'.repeat(300_000) })],
  ['JSON as text/plain', 'text/plain', '{"name":"x"}'],
  ['a form', 'application/x-www-form-urlencoded', 'name=x&__proto__[polluted]=1&phones[]=1'],
  ['multipart garbage', 'multipart/form-data; boundary=zz', '--zz\r\ngarbage\r\n--zz--'],
  ['XML', 'application/xml', '<a>&xxe;</a>'],
  ['latin1 charset', 'application/json; charset=latin1', '{"name":"x"}'],
  ['utf-16 charset', 'application/json; charset=utf-16', '{"name":"x"}'],
  ['no content type', undefined, '{"name":"x"}'],
  ['binary', 'application/octet-stream', Buffer.from([0, 1, 2, 255, 254])],
];

/** A raw JSON fragment standing in for a value; replaced after JSON.stringify. */
const DEEP_MARK = '\u0001deep\u0001';
/** What a leaf of a valid body is swapped for. */
const LEAF_SWAPS: unknown[] = [null, -1e308, '42', [], { polluted: true }, `a${NUL}b`, `a${LONE}b`, 'x'.repeat(100_000), ARABIC, '0001-01-01T00:00:00+14:00', DEEP_MARK];

const rawJson = (value: unknown) => JSON.stringify(value).replaceAll(JSON.stringify(DEEP_MARK), '['.repeat(20_000) + ']'.repeat(20_000));

/** Every leaf path of a value, no deeper than `depth`, at most `max` of them. */
function leafPaths(value: unknown, depth = 4, max = 12, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object' || depth === 0) return [at];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  const paths = [at, ...entries.flatMap(([k, v]) => leafPaths(v, depth - 1, max, [...at, k]))];
  return paths.slice(0, max);
}

function withValueAt(value: unknown, path: Array<string | number>, swap: unknown): unknown {
  if (path.length === 0) return swap;
  const copy: any = structuredClone(value);
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path.at(-1)!] = swap;
  return copy;
}

/** Valid bodies for the routes that take one, mutated leaf by leaf. Path parameters: values the route accepts. */
const SAMPLES: Record<string, { params?: Record<string, string>; body: unknown }> = {
  'PUT /api/customers/:id': { params: { id: 'sweep-c1' }, body: { name: 'Sara', phones: ['+966501234567'], language: 'ar', tier: 'gold', accountValue: { amount: 100, currency: 'SAR' }, externalRef: 'r1' } },
  'POST /api/interactions': { body: { customerId: 'cust-1', channel: 'chat', type: 'message', at: '2026-02-01T09:00:00Z', summary: 'hello', text: 'hi', idempotencyKey: 'sweep-k1' } },
  'PUT /api/agents/:id': { params: { id: 'sweep-a1' }, body: { name: 'A', skills: { billing: 3 }, languages: ['ar'], twilioIdentity: 'a1', queues: ['general'], maxConcurrency: 1, wrapUpSeconds: 30 } },
  'PUT /api/ivr/flows/:name': { params: { name: 'sweep' }, body: { definition: demoFlowDefinition, comment: 'c' } },
  'POST /api/routing/rules/validate': { body: exampleRuleSet },
  'POST /api/routing/rules': { body: exampleRuleSet },
  'POST /api/routing/rules/rollback': { body: { version: 1, comment: 'c' } },
  'POST /api/routing/simulate': { body: { call: { language: 'ar' }, customer: { tier: 'gold', accountValue: 10 }, ivr: { intent: 'billing' }, rules: exampleRuleSet } },
  'PUT /api/routing/queues/:name': { params: { name: 'sweep_q' }, body: { displayName: { ar: 'عام', en: 'Q' } } },
  'PUT /api/agents/:id/status': { params: { id: 'noura' }, body: { status: 'away', reason: 'lunch' } },
  'PUT /api/customers/:id/consents': { params: { id: 'cust-1' }, body: { purpose: 'survey', granted: true, channel: 'api', textVersion: 'v1' } },
  'PUT /api/customers/:id/pin': { params: { id: 'cust-1' }, body: { pin: '4321' } },
  'POST /api/biometrics/watchlist': { body: { kind: 'number', value: '+966501234567', reason: 'fraud' } },
  'PUT /api/queues/:name/survey': { params: { name: 'general' }, body: { enabled: true } },
  'POST /api/calls/:id/wrapup': { params: { id: 'sweep-call' }, body: { disposition: 'billing_resolved', notes: 'n', resolved: true } },
  'PUT /api/dispositions': { body: { codes: [{ code: 'billing_resolved', label: { ar: 'تم الحل', en: 'Resolved' }, queues: ['billing'] }] } },
  'POST /api/calls/:id/transfer': { params: { id: 'sweep-call' }, body: { queue: 'billing', mode: 'cold', note: 'n' } },
};

const fill = (path: string, params: Record<string, string> = {}, fallback = 'sweep-x') => path.replace(/:(\w+)/g, (_m, name: string) => params[name] ?? fallback);
const paramNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const ROLES: TRole[] = ['agent', 'supervisor', 'admin', 'service'];
const tokenFor = (role: TRole, sub = `sweep-${role}`) => signToken(JWT_SECRET, { sub, role });
const nowSeconds = () => Math.floor(Date.now() / 1000);
/** Tokens no request may get past the guard with. */
const BAD_AUTH: Array<[label: string, header: string]> = [
  ['garbage', 'Bearer garbage'],
  ['Basic', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
  ['two tokens', `Bearer ${tokenFor('admin')} ${tokenFor('admin')}`],
  ['wrong secret', `Bearer ${jwt.sign({ role: 'admin' }, 'not-the-secret-but-long-enough', { subject: 'x', expiresIn: '1h' })}`],
  ['alg none', `Bearer ${jwt.sign({ role: 'admin', sub: 'x', exp: nowSeconds() + 600 }, '', { algorithm: 'none' })}`],
  ['expired', `Bearer ${jwt.sign({ role: 'admin', exp: nowSeconds() - 60 }, JWT_SECRET, { subject: 'x' })}`],
  ['no expiry', `Bearer ${jwt.sign({ role: 'admin' }, JWT_SECRET, { subject: 'x' })}`],
  ['unknown role', `Bearer ${jwt.sign({ role: 'root' }, JWT_SECRET, { subject: 'x', expiresIn: '1h' })}`],
  ['role as an array', `Bearer ${jwt.sign({ role: ['admin'] }, JWT_SECRET, { subject: 'x', expiresIn: '1h' })}`],
  ['sub too long', `Bearer ${jwt.sign({ role: 'admin' }, JWT_SECRET, { subject: 'x'.repeat(500), expiresIn: '1h' })}`],
  ['a huge header', `Bearer ${'a'.repeat(12_000)}`],
];
/** Validly signed tokens whose subject no honest identity provider issues. */
const ODD_SUBJECTS: Array<[role: TRole, sub: string]> = [
  ['admin', `adm${NUL}in`],
  ['agent', `no${LONE}ura`],
  ['supervisor', ARABIC.slice(0, 128)],
  ['agent', '__proto__'],
];

// ---------------------------------------------------------------------------------------
// Checking one reply.

interface Probe {
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** DESIGN.md: a rule set that does not validate is a 422 `{ valid: false, errors: [{ rule, field, message }] }`. */
const DOCUMENTED_422 = new Set(['POST /api/routing/rules/validate', 'POST /api/routing/simulate']);

/**
 * What is wrong with the reply, or undefined. With `before` (the counts as the request left),
 * a refused request must leave every counted table as it was; `after` is what it left.
 */
async function check(route: Route, probe: Probe, before?: Record<string, number>): Promise<{ problem?: string; reply: Reply; after?: Record<string, number> }> {
  let reply: Reply;
  try {
    reply = await send(probe.method, probe.path, { headers: probe.headers, body: probe.body });
  } catch (err) {
    return { problem: `${probe.label}: no answer (${(err as Error).message})`, reply: { status: 0, type: '', text: '' } };
  }
  const where = `${probe.label} -> ${reply.status}`;
  if (reply.status >= 500 || reply.status < 100) return { problem: `${where} ${reply.text.slice(0, 200)}`, reply };
  if (route.kind === 'api' && reply.status >= 400) {
    let body: any;
    try {
      body = JSON.parse(reply.text);
    } catch {
      body = undefined;
    }
    const documented = reply.status === 422 && DOCUMENTED_422.has(`${route.method} ${route.path}`) && body?.valid === false && Array.isArray(body.errors);
    // Node's own parser answers a header over 16 kB (431) before Express sees the request.
    if (reply.status !== 431 && !documented && (!/application\/json/.test(reply.type) || typeof body?.error?.code !== 'string' || typeof body?.error?.message !== 'string')) {
      return { problem: `${where}: not the JSON error shape: ${reply.text.slice(0, 200)}`, reply };
    }
  }
  if (!before) return { reply };
  // What an accepted request set off (routing, the access log) lands before the next is counted.
  if (reply.status < 400) await t.settle();
  const after = await counts();
  const changed = COUNTED.filter((table) => after[table] !== before[table]);
  if (reply.status >= 400 && changed.length) return { problem: `${where}: refused, yet wrote ${changed.map((c) => `${c} ${before[c]}->${after[c]}`).join(', ')}`, reply, after };
  return { reply, after };
}

/** Sends each probe in turn; the counts one leaves are the next one's baseline. */
async function sweep(route: Route, probes: Probe[], opts: { countWrites?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  let before = opts.countWrites === false ? undefined : await counts();
  for (const probe of probes) {
    const { problem, after } = await check(route, probe, before);
    if (problem) problems.push(problem);
    before = after;
  }
  return problems;
}

/** Fails listing the first problems found, one a line. */
function expectNone(problems: string[]) {
  expect(problems.length, `${problems.length} problems:\n${problems.slice(0, 40).join('\n')}`).toBe(0);
}

// ---------------------------------------------------------------------------------------
// The batteries.

const json = (headers: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', ...headers });

/**
 * Path attacks on one route, as one principal; `full` adds the bodies, the queries (for GET
 * and DELETE, the routes that read them) and the leaf-by-leaf mutations of a valid body.
 */
function inputBattery(route: Route, headers: Record<string, string>, full: boolean): Probe[] {
  const key = `${route.method} ${route.path}`;
  const sample = SAMPLES[key];
  const path = fill(route.path, sample?.params);
  const sampleBody = sample ? rawJson(sample.body) : route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}';
  const base = (label: string, p: string, body: string | Buffer | undefined = sampleBody, h: Record<string, string> = json(headers)): Probe => ({ label, method: route.method, path: p, headers: h, body });
  const probes: Probe[] = [];
  for (const name of paramNames(route.path)) {
    for (const value of full ? PARAM_VALUES : ROLE_PARAM_VALUES) probes.push(base(`:${name}=${value.slice(0, 40)}`, fill(route.path, { ...sample?.params, [name]: value })));
  }
  if (!full) return probes;
  if (route.method === 'GET' || route.method === 'DELETE') {
    for (const q of QUERIES) probes.push(base(`?${q.slice(0, 60)}`, `${path}?${q}`));
    // A route that can answer CSV refuses in JSON all the same.
    for (const q of ['interval=%00', 'from=275760-09-13&interval=1d', 'from=a&from=b']) probes.push(base(`CSV ?${q}`, `${path}?${q}`, undefined, { ...headers, Accept: 'text/csv' }));
  }
  for (const [label, type, body] of BODIES) probes.push(base(`body: ${label}`, path, body, type ? { ...headers, 'Content-Type': type } : headers));
  if (sample) {
    for (const leaf of leafPaths(sample.body)) {
      for (const swap of LEAF_SWAPS) {
        const label = `body.${leaf.join('.') || '(root)'} = ${swap === DEEP_MARK ? 'deep nesting' : JSON.stringify(swap)?.slice(0, 30)}`;
        probes.push(base(label, path, rawJson(withValueAt(sample.body, leaf, swap))));
      }
    }
    for (const extra of ['__proto__', 'constructor', 'prototype']) {
      const body = rawJson(sample.body).replace(/^\{/, `{"${extra}":{"polluted":true},`);
      probes.push(base(`body + ${extra}`, path, body));
    }
    probes.push(base('body as [sample]', path, `[${rawJson(sample.body)}]`));
  }
  return probes;
}

const apiRoutes = routes.filter((r) => r.kind === 'api');

describe('the routes the app mounts', () => {
  it('are found by walking its router stack', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining(['PUT /api/customers/:id', 'POST /api/interactions', 'GET /api/analytics/kpis', 'POST /webhooks/twilio/voice', 'POST /webhooks/biometrics/result', 'GET /healthz']),
    );
    expect(apiRoutes.length).toBeGreaterThan(30);
  });
});

describe.each(apiRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s, as a hostile client', (_name, route) => {
  it('refuses every bad token with a 401 in the JSON error shape, writing nothing', async () => {
    const path = fill(route.path, SAMPLES[`${route.method} ${route.path}`]?.params);
    const probes: Probe[] = [
      { label: 'no token', method: route.method, path, headers: json() },
      ...BAD_AUTH.map(([label, header]) => ({ label, method: route.method, path, headers: json({ Authorization: header }) })),
    ];
    const problems: string[] = [];
    for (const probe of probes) {
      const { problem, reply } = await check(route, probe, await counts());
      if (problem) problems.push(problem);
      else if (reply.status !== 401 && reply.status !== 431) problems.push(`${probe.label} -> ${reply.status}, not 401`);
    }
    expectNone(problems);
  });

  it('answers hostile paths, queries and bodies with a 4xx, never a 5xx, for every role that may call it', async () => {
    const problems: string[] = [];
    const sample = SAMPLES[`${route.method} ${route.path}`];
    const path = fill(route.path, sample?.params);
    let admitted = 0;
    for (const role of ROLES) {
      const headers = bearer(tokenFor(role));
      const { problem, reply } = await check(route, { label: `${role}: benign`, method: route.method, path, headers: json(headers), body: sample ? rawJson(sample.body) : undefined });
      if (problem) problems.push(problem);
      // A role the guard refuses sees nothing past it; the battery is for roles let in. A 403
      // may come after a handler has read the path (not this agent's customer): its attacks still apply.
      if (reply.status === 403) problems.push(...(await sweep(route, inputBattery(route, headers, false), { countWrites: route.method !== 'GET' })).map((p) => `${role}: ${p}`));
      if (reply.status === 401 || reply.status === 403) continue;
      admitted += 1;
      // The whole battery as the first role let in; the others (whose role may change what a path means) the path attacks.
      problems.push(...(await sweep(route, inputBattery(route, headers, admitted === 1), { countWrites: route.method !== 'GET' })).map((p) => `${role}: ${p}`));
    }
    for (const [role, sub] of ODD_SUBJECTS) {
      const headers = bearer(tokenFor(role, sub));
      problems.push(...(await sweep(route, [{ label: `${role} ${JSON.stringify(sub).slice(0, 20)}`, method: route.method, path, headers: json(headers), body: sample ? rawJson(sample.body) : undefined }])));
    }
    for (const method of ['PATCH', 'OPTIONS', 'TRACE']) {
      problems.push(...(await sweep(route, [{ label: `${method} instead`, method, path, headers: json(bearer(tokenFor('admin'))) }])));
    }
    expectNone(problems);
    expect(admitted).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------
// Webhooks.

const twilioRoutes = routes.filter((r) => r.kind === 'twilio');
const signTwilio = (probe: Probe, params: Record<string, string> = {}): Probe => ({
  ...probe,
  headers: { ...probe.headers, 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TEST_CONFIG.twilio.authToken, TEST_CONFIG.publicBaseUrl + probe.path, params) },
});
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
let calls = 0;
const callParams = () => ({ CallSid: `CA${'f'.repeat(8)}${(++calls).toString(16).padStart(8, '0')}${'0'.repeat(16)}`, From: '+966501234567', To: '+966920000000', CallStatus: 'ringing', AccountSid: TEST_CONFIG.twilio.accountSid });
const TWILIO_PARAMS: Array<[label: string, params: Record<string, string>]> = [
  ['no parameters', {}],
  ['NUL in CallSid', { ...callParams(), CallSid: `CA${NUL}` }],
  ['huge CallSid', { ...callParams(), CallSid: `CA${'f'.repeat(5000)}` }],
  ['CallSid __proto__', { ...callParams(), CallSid: '__proto__' }],
  ['Arabic caller number', { ...callParams(), From: ARABIC.slice(0, 60) }],
  ['NUL in From', { ...callParams(), From: `+9665${NUL}` }],
  ['lone surrogate in SpeechResult', { ...callParams(), SpeechResult: `a${LONE}` }],
  ['Digits as garbage', { ...callParams(), Digits: '__proto__', Confidence: 'NaN', SpeechResult: ARABIC }],
  ['numbers as words', { ...callParams(), CallDuration: 'ten', QueuePosition: '-1e308', QueueTime: 'Infinity' }],
  ['a huge speech result', { ...callParams(), SpeechResult: 'x'.repeat(30_000) }],
  // Keys an object inherits, signed as sent (a `__proto__` key is dropped by the form parser, so its signature never matches: 403).
  ['prototype keys', { ...callParams(), constructor: 'y', hasOwnProperty: 'z', toString: 'w' }],
  ['a __proto__ key', { ...callParams(), ...JSON.parse('{"__proto__":"x"}') }],
];

describe.each(twilioRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('Twilio %s', (_name, route) => {
  it('refuses an unsigned or wrongly signed request with a 403, writing nothing', async () => {
    const probes: Probe[] = [
      { label: 'unsigned', method: 'POST', path: route.path, headers: FORM, body: form(callParams()) },
      { label: 'wrong signature', method: 'POST', path: route.path, headers: { ...FORM, 'X-Twilio-Signature': 'c2lnbmF0dXJl' }, body: form(callParams()) },
      { label: 'empty signature', method: 'POST', path: route.path, headers: { ...FORM, 'X-Twilio-Signature': '' }, body: form(callParams()) },
      { ...signTwilio({ label: 'signed for other params', method: 'POST', path: route.path, headers: FORM }, { CallSid: 'CAother' }), body: form(callParams()) },
    ];
    const problems: string[] = [];
    for (const probe of probes) {
      const { problem, reply } = await check(route, probe, await counts());
      if (problem) problems.push(problem);
      else if (reply.status !== 403) problems.push(`${probe.label} -> ${reply.status}, not 403`);
    }
    expectNone(problems);
  });

  it('answers signed garbage without a 5xx', async () => {
    const probes: Probe[] = [
      // Also with the step a gather or survey answer carries, so those routes read the parameters too.
      ...TWILIO_PARAMS.flatMap(([label, params]) =>
        [route.path, `${route.path}?seq=1`].map((path) => signTwilio({ label: `${label} at ${path}`, method: 'POST', path, headers: FORM, body: form(params) }, params)),
      ),
      ...['seq=abc', 'seq=1&seq=2', 'seq=%00', 'seq=-1', 'seq=1e999', 'callbackFor=..%2f..', 'callbackFor=%ED%A0%80', '__proto__[x]=1', '%E0%A4%A=1'].map((q) =>
        signTwilio({ label: `?${q}`, method: 'POST', path: `${route.path}?${q}`, headers: FORM, body: form(callParams()) }, callParams()),
      ),
      // Signed as Twilio signs a request without form parameters: what the router parses is what is checked.
      ...BODIES.map(([label, type, body]) => signTwilio({ label: `body: ${label}`, method: 'POST', path: route.path, headers: type ? { 'Content-Type': type } : {}, body })),
    ];
    // A signed request may legitimately record a call (Twilio's own retries are idempotent), so writes are not counted.
    const problems = await sweep(route, probes, { countWrites: false });
    // What the accepted calls set off (routing, writes kept for the replayer) lands before the next test counts rows.
    await t.settle();
    await t.services.calls.kept.drained();
    expectNone(problems);
  });
});

const biometricsRoutes = routes.filter((r) => r.kind === 'biometrics');
describe.each(biometricsRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('biometrics vendor %s', (_name, route) => {
  const signed = (label: string, body: string | Buffer, type = 'application/json'): Probe => ({
    label,
    method: route.method,
    path: route.path,
    headers: { 'Content-Type': type, 'X-Biometrics-Signature': signBiometricsBody(BIOMETRICS_SECRET, body, t.clock.now) },
    body,
  });

  it('refuses an unsigned, stale or wrongly signed callback with a 401, writing nothing', async () => {
    const body = JSON.stringify({ requestId: 'r1', decision: 'match', score: 0.9, spoof: false, fraud: { watchlistHit: false, risk: 0 } });
    const stale = signBiometricsBody(BIOMETRICS_SECRET, body, new Date(t.clock.now.getTime() - 3_600_000));
    const probes: Probe[] = [
      { label: 'unsigned', method: route.method, path: route.path, headers: json(), body },
      { label: 'garbage signature', method: route.method, path: route.path, headers: json({ 'X-Biometrics-Signature': 'garbage' }), body },
      { label: 'v1 without t', method: route.method, path: route.path, headers: json({ 'X-Biometrics-Signature': 'v1=00' }), body },
      { label: 'stale', method: route.method, path: route.path, headers: json({ 'X-Biometrics-Signature': stale }), body },
      { label: 'signed with another secret', method: route.method, path: route.path, headers: json({ 'X-Biometrics-Signature': signBiometricsBody('other', body, t.clock.now) }), body },
    ];
    const problems: string[] = [];
    for (const probe of probes) {
      const { problem, reply } = await check({ ...route, kind: 'api' }, probe, await counts());
      if (problem) problems.push(problem);
      else if (reply.status !== 401) problems.push(`${probe.label} -> ${reply.status}, not 401`);
    }
    expectNone(problems);
  });

  it('answers signed garbage with a 4xx in the JSON error shape, writing nothing', async () => {
    const result = { requestId: 'r1', decision: 'match', score: 0.9, spoof: false, fraud: { watchlistHit: false, risk: 0 } };
    const probes = [
      ...BODIES.filter(([label]) => label !== 'over the size limit').map(([label, type, body]) => signed(`body: ${label}`, body, type)),
      ...leafPaths(result).flatMap((leaf) => LEAF_SWAPS.map((swap) => signed(`body.${leaf.join('.')} = ${String(JSON.stringify(swap)).slice(0, 30)}`, rawJson(withValueAt(result, leaf, swap))))),
    ];
    const problems: string[] = [];
    for (const probe of probes) {
      const { problem, reply } = await check({ ...route, kind: 'api' }, probe, await counts());
      if (problem) problems.push(problem);
      else if (reply.status < 400) problems.push(`${probe.label} -> ${reply.status}, not refused`);
    }
    expectNone(problems);
  });
});

describe('the other routes and static files', () => {
  it('answer hostile paths and queries without a 5xx', async () => {
    const problems: string[] = [];
    for (const route of routes.filter((r) => r.kind === 'other' || r.kind === 'static')) {
      const base = route.kind === 'static' ? `${route.path}/` : route.path;
      const paths = [
        ...(route.kind === 'static' ? PARAM_VALUES.map((v) => base + v) : []),
        ...(route.kind === 'static' ? ['../package.json', '..%2f..%2fpackage.json', '%2e%2e/%2e%2e/package.json', '....//....//package.json', 'index.html%00.js'].map((v) => base + v) : []),
        ...QUERIES.slice(-9).map((q) => `${base}?${q}`),
      ];
      for (const path of paths) {
        const { problem, reply } = await check(route, { label: `${route.method} ${path.slice(0, 80)}`, method: route.method, path, headers: { Authorization: 'Bearer garbage' } });
        if (problem) problems.push(problem);
        else if (reply.text.includes('"cc-screenpop"')) problems.push(`${path}: served a file outside its folder`);
      }
    }
    expectNone(problems);
  });

  it('a path no router claims is a JSON 404 however it is spelled', async () => {
    const problems: string[] = [];
    for (const path of ['/api/%00', '/api/..%2f..%2fetc%2fpasswd', `/api/${'x'.repeat(5000)}`, '/api/%E0%A4%A', '/webhooks/nowhere', '/%ED%A0%80']) {
      const { problem } = await check({ method: 'GET', path, kind: 'api' }, { label: path.slice(0, 60), method: 'GET', path, headers: bearer(tokenFor('admin')) });
      if (problem) problems.push(problem);
    }
    expectNone(problems);
  });
});

// ---------------------------------------------------------------------------------------
// Amazon Connect's Lambda handlers.

const contactData = (over: Record<string, unknown> = {}) => ({
  ContactId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  InitialContactId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  Channel: 'VOICE',
  CustomerEndpoint: { Address: '+966501234567', Type: 'TELEPHONE_NUMBER' },
  Attributes: {},
  ...over,
});
const flowEvent = (parameters: unknown, data: unknown = contactData()) => ({ Name: 'ContactFlowEvent', Details: { ContactData: data, Parameters: parameters } });

/** Builds a nested value iteratively: JSON.parse would make the same from a hostile payload. */
function nested(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}
const polluted = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');

const HOSTILE_EVENTS: Array<[label: string, event: unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['a string', 'ContactFlowEvent'],
  ['a number', 42],
  ['an array', [flowEvent({ action: 'lookup' })]],
  ['an empty object', {}],
  ['Details an array', { Name: 'ContactFlowEvent', Details: [] }],
  ['Parameters null', flowEvent(null)],
  ['action __proto__', flowEvent({ action: '__proto__' })],
  ['action constructor', flowEvent({ action: 'constructor' })],
  ['action as an array', flowEvent({ action: ['lookup'] })],
  ['action as a number', flowEvent({ action: 1 })],
  ['polluting Parameters', flowEvent({ ...polluted, action: 'lookup' })],
  ['polluting Attributes', flowEvent({ action: 'lookup' }, contactData({ Attributes: polluted }))],
  ['Attributes an array', flowEvent({ action: 'lookup' }, contactData({ Attributes: ['language'] }))],
  ['ContactId with NUL', flowEvent({ action: 'lookup' }, contactData({ ContactId: `a${NUL}` }))],
  ['ContactId huge', flowEvent({ action: 'lookup' }, contactData({ ContactId: 'a'.repeat(100_000) }))],
  ['ContactId a number', flowEvent({ action: 'lookup' }, contactData({ ContactId: 12345 }))],
  ['caller number a lone surrogate', flowEvent({ action: 'lookup' }, contactData({ CustomerEndpoint: { Address: `+966${LONE}` } }))],
  ['caller number an object', flowEvent({ action: 'lookup' }, contactData({ CustomerEndpoint: { Address: { toString: 1 } } }))],
  ['pin as a number', flowEvent({ action: 'pin', pin: 4321, attempt: '1' })],
  ['pin with NUL', flowEvent({ action: 'pin', pin: `43${NUL}21`, attempt: '1' })],
  ['attempt NaN', flowEvent({ action: 'pin', pin: '4321', attempt: 'NaN' })],
  ['log summary a lone surrogate', flowEvent({ action: 'log', summary: `note ${LONE}` })],
  ['log summary huge Arabic', flowEvent({ action: 'log', summary: ARABIC.repeat(50) })],
  ['deeply nested Parameters', flowEvent({ action: 'lookup', extra: nested(50_000) })],
  ['deeply nested Attributes', flowEvent({ action: 'lookup' }, contactData({ Attributes: { language: nested(50_000) } }))],
];

const HOSTILE_CONTACT_EVENTS: Array<[label: string, event: unknown]> = [
  ...HOSTILE_EVENTS,
  ['detail null', { source: 'aws.connect', 'detail-type': 'Amazon Connect Contact Event', detail: null }],
  ['detail a string', { source: 'aws.connect', detail: 'x' }],
  ['detail an array', { source: 'aws.connect', detail: [{ eventType: 'INITIATED' }] }],
  ['polluting detail', { source: 'aws.connect', detail: { ...polluted, eventType: 'INITIATED', contactId: 'c1', channel: 'VOICE' } }],
  ['PascalCase __proto__', { source: 'aws.connect', detail: JSON.parse('{"EventType":"QUEUED","ContactId":"c2","Channel":"VOICE","__Proto__":{"x":1},"Constructor":{"prototype":{"x":1}}}') }],
  ['unknown eventType', { source: 'aws.connect', time: '2026-01-01T00:00:00Z', detail: { eventType: '__proto__', contactId: 'c3', channel: 'VOICE' } }],
  ['timestamp garbage', { source: 'aws.connect', time: 'yesterday', detail: { eventType: 'INITIATED', contactId: 'c4', channel: 'VOICE', initiationTimestamp: 'not a date' } }],
  ['timestamp year 275760', { source: 'aws.connect', time: '+275760-09-13T00:00:00Z', detail: { eventType: 'DISCONNECTED', contactId: 'c5', channel: 'VOICE', disconnectTimestamp: '+275760-09-13T00:00:00.000Z' } }],
  ['contactId with NUL', { source: 'aws.connect', time: '2026-01-01T00:00:00Z', detail: { eventType: 'INITIATED', contactId: `c${NUL}`, channel: 'VOICE' } }],
  ['contactId a lone surrogate', { source: 'aws.connect', time: '2026-01-01T00:00:00Z', detail: { eventType: 'INITIATED', contactId: `c${LONE}`, channel: 'VOICE' } }],
  ['address with NUL', { source: 'aws.connect', time: '2026-01-01T00:00:00Z', detail: { eventType: 'INITIATED', contactId: 'c6', channel: 'VOICE', customerEndpoint: { address: `+966${NUL}` } } }],
  ['queueArn huge', { source: 'aws.connect', time: '2026-01-01T00:00:00Z', detail: { eventType: 'QUEUED', contactId: 'c7', channel: 'VOICE', queueInfo: { queueArn: 'arn:'.repeat(50_000) } } }],
  ['deeply nested detail', { source: 'aws.connect', detail: nested(50_000) }],
];

/** Connect's own events (test/fixtures/connect), a value at a time swapped for a hostile one. */
const fixtureDir = path.resolve(import.meta.dirname, '../fixtures/connect');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(fixtureDir, name), 'utf8')) as { event?: unknown; events?: unknown[] };
const asValue = (swap: unknown) => (swap === DEEP_MARK ? nested(20_000) : swap);
function mutations(event: unknown, under: Array<Array<string | number>>, label: string): Array<[string, unknown]> {
  const get = (v: any, p: Array<string | number>) => p.reduce((node, key) => node?.[key], v);
  return under.flatMap((prefix) =>
    leafPaths(get(event, prefix), 3, 10).flatMap((leaf) =>
      LEAF_SWAPS.map((swap) => [`${label} ${[...prefix, ...leaf].join('.')} = ${String(JSON.stringify(swap)).slice(0, 24)}`, withValueAt(event, [...prefix, ...leaf], asValue(swap))] as [string, unknown]),
    ),
  );
}
const FLOW_MUTATIONS = ['good/log-arabic-note.json', 'good/lookup-known-arabic-customer.json', 'good/pin-correct.json', 'good/route-arabic-billing.json', 'good/verify-with-media-stream-consent-declined.json'].flatMap((name) =>
  mutations(fixture(name).event, [['Details', 'Parameters'], ['Details', 'ContactData', 'ContactId'], ['Details', 'ContactData', 'CustomerEndpoint'], ['Details', 'ContactData', 'Attributes'], ['Details', 'ContactData', 'MediaStreams']], name),
);
const EVENT_MUTATIONS = fixture('contact-events/answered-with-acw.json').events!.slice(0, 3).flatMap((event, i) => mutations(event, [['detail'], ['time']], `answered-with-acw #${i}`));

describe('Amazon Connect handlers, fed hostile events', () => {
  it('the contact flow answers each with a flat map or refuses it with a clean error, writing nothing', async () => {
    const problems: string[] = [];
    for (const [label, event] of [...HOSTILE_EVENTS, ...FLOW_MUTATIONS]) {
      const before = await counts();
      try {
        // An event that is valid after all (extra keys are dropped) gets Connect's flat map of strings.
        const answer = await t.connect.flow(event);
        if (!Object.values(answer).every((v) => typeof v === 'string')) problems.push(`${label}: answered ${JSON.stringify(answer).slice(0, 100)}`);
        continue;
      } catch (err) {
        if (!(err instanceof Error) || !/^[\w.]+: /.test(err.message) || err.message.length > 300) problems.push(`${label}: threw ${String(err).slice(0, 200)}`);
      }
      const after = await counts();
      if (JSON.stringify(after) !== JSON.stringify(before)) problems.push(`${label}: refused, yet wrote rows`);
    }
    expectNone(problems);
  });

  it('the contact events are acknowledged, never thrown', async () => {
    const problems: string[] = [];
    for (const [label, event] of [...HOSTILE_CONTACT_EVENTS, ...EVENT_MUTATIONS]) {
      try {
        await t.connect.contactEvent(event);
      } catch (err) {
        problems.push(`${label}: threw ${String(err).slice(0, 200)}`);
      }
    }
    expectNone(problems);
  });
});

describe('after the sweep', () => {
  it('the process still answers and nothing was left unhandled', async () => {
    await t.settle();
    // On new connections: a pooled one the server closed after an attack's answer (say a
    // refused oversized body) would reset, which says nothing about the process.
    expect((await send('GET', '/healthz', { fresh: true })).status).toBe(200);
    expect((await send('GET', '/readyz', { fresh: true })).status).toBe(200);
    expect(unhandled).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
