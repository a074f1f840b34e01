/**
 * Child process of `npm run bench:screenpop`: the real app (buildApp + startHttpServer, so the
 * agent WebSocket hub is on /ws/agent) with the real routing ticking, on its own event loop.
 *
 * Seeds BENCH_AGENTS agents (support:1, ar+en, a Twilio identity) and BENCH_CUSTOMERS English
 * customers, each with one phone and BENCH_HISTORY timeline items, straight through SQL.
 *
 * Instrumentation, none of it in src/: every stamp is hrWall() (CLOCK_MONOTONIC in ms, the same
 * clock in every process on this machine), kept in memory and sent to the parent on request.
 *   committed — routing's offer statement (reservation, agent, pop message and call event in
 *               one commit) came back: a query extension on $queryRaw that recognises the
 *               INSERT INTO "Reservation" and takes the reservation id from its parameters;
 *   written   — the hub's bus handler has run ws.send() for the screen_pop (a second
 *               subscriber on the in-process bus, registered after the hub's, runs right
 *               after it in the same emit).
 */
import path from 'node:path';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { openDatabase, type Db } from '../../src/db/client.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { AGENT_MESSAGE_CHANNEL, type AgentDelivery } from '../../src/realtime/agent-hub.js';
import { createInProcessBus } from '../../src/realtime/event-bus.js';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { startHttpServer } from '../../src/server-http.js';
import { SEED_PHONE_SQL } from './phones.js';
import { hrWall, SP_AUTH_TOKEN, SP_JWT_SECRET, SP_PUBLIC_BASE_URL, type SpChildReply, type SpParentRequest } from './screenpop-protocol.js';

const root = path.resolve(import.meta.dirname, '../..');
const agents = Number(process.env.BENCH_AGENTS ?? '2000');
const customers = Number(process.env.BENCH_CUSTOMERS ?? '2100');
const historyPerCustomer = Number(process.env.BENCH_HISTORY ?? '3');
const HISTORIC_CALLS = 20_000;
const offerTimeoutMs = Number(process.env.BENCH_OFFER_TIMEOUT_MS ?? '900000');
const databaseUrl = process.env.DATABASE_URL || undefined;
const schema = process.env.BENCH_SCHEMA || undefined;

const hr = hrWall;
const send = (msg: SpChildReply) => process.send?.(msg);

const t0 = performance.now();
const database = await openDatabase(databaseUrl ? { databaseUrl, schema, dataDir: '' } : { memory: true, dataDir: '' });
await database.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
const migrateMs = performance.now() - t0;

const t1 = performance.now();
// Customers 'sp-<i>' own seededPhone(i), speak English (so the IVR greets them and goes
// straight to the main menu) and have a few resolved timeline items (no open complaint,
// which would route them to the complaints queue instead).
await database.exec(`
  BEGIN;
  INSERT INTO "Customer" ("id", "name", "language", "tier", "accountValueAmount", "accountValueCurrency", "updatedAt")
    SELECT 'sp-' || i, 'Caller ' || i, 'en', (ARRAY['standard', 'silver', 'gold', 'platinum'])[1 + i % 4], (i * 37 % 100000)::numeric(16, 2), 'SAR', now()
    FROM generate_series(0, ${customers - 1}) AS i;
  INSERT INTO "CustomerPhone" ("customerId", "e164")
    SELECT 'sp-' || i, ${SEED_PHONE_SQL} FROM generate_series(0, ${customers - 1}) AS i;
  INSERT INTO "Interaction" ("id", "idempotencyKey", "customerId", "channel", "type", "status", "at", "summary", "sentimentLabel", "sentimentScore", "updatedAt")
    SELECT md5('sp-h-' || i || '-' || k)::uuid::text, 'sp-h-' || i || '-' || k, 'sp-' || i,
           (ARRAY['whatsapp', 'email', 'chat', 'voice'])[1 + (i + k) % 4], 'message', NULL,
           now() - make_interval(days => k * 3 + i % 5), 'History item ' || k || ' of caller ' || i,
           (ARRAY['negative', 'neutral', 'positive'])[1 + (i + k) % 3], ((i + k) % 3 - 1) * 0.5, now()
    FROM generate_series(0, ${customers - 1}) AS i, generate_series(1, ${historyPerCustomer}) AS k;
  INSERT INTO "Agent" ("id", "name", "skills", "languages", "twilioIdentity", "state", "idleSince", "updatedAt")
    SELECT 'agent-' || i, 'Agent ' || i, '{"support": 1}'::jsonb, ARRAY['ar', 'en'], 'client-agent-' || i, 'offline', now(), now()
    FROM generate_series(0, ${agents - 1}) AS i;
  -- A contact centre's database is not empty: yesterday's calls, with their queue entries and
  -- offers, so the planner sees tables of a realistic size.
  INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "customerId", "flowName", "flowVersion", "language",
                      "session", "status", "queue", "stepSeq", "startedAt", "endedAt", "durationSeconds", "endStatus")
    SELECT 'old-' || i, 'twilio', 'CAold' || i, ${SEED_PHONE_SQL}, ${SEED_PHONE_SQL}, 'sp-' || i % ${customers}, 'main', 1, 'en',
           '{"path": [], "inputs": {}}'::jsonb, 'completed', 'support', 1, now() - interval '1 day', now() - interval '1 day', 120, 'completed'
    FROM generate_series(0, ${HISTORIC_CALLS - 1}) AS i;
  INSERT INTO "QueueEntry" ("id", "callId", "customerId", "language", "queue", "priority", "enqueuedAt", "status", "ruleVersion", "rule",
                            "decision", "context", "outcome", "agentId", "assignedAt", "updatedAt")
    SELECT 'old-q-' || i, 'old-' || i, 'sp-' || i % ${customers}, 'en', 'support', 10, now() - interval '1 day', 'done', 0, 'default',
           '{}'::jsonb, '{}'::jsonb, 'assigned', 'agent-' || i % ${agents}, now() - interval '1 day', now()
    FROM generate_series(0, ${HISTORIC_CALLS - 1}) AS i;
  INSERT INTO "Reservation" ("id", "entryId", "agentId", "status", "createdAt", "expiresAt", "respondedAt")
    SELECT 'old-r-' || i, 'old-q-' || i, 'agent-' || i % ${agents}, 'accepted', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
    FROM generate_series(0, ${HISTORIC_CALLS - 1}) AS i;
  COMMIT;
  ANALYZE;
`);
const seedMs = performance.now() - t1;

// --- instrumentation (see the header) ---
const committed = new Map<string, number>();
const written = new Map<string, number>();
const db = database.prisma.$extends({
  query: {
    async $queryRaw({ args, query }) {
      const r = await query(args);
      const { strings, values } = args as unknown as { strings: string[]; values: unknown[] };
      // The reservation id is the parameter right after the text that inserts it.
      const i = strings.findIndex((part) => part.includes('INSERT INTO "Reservation"'));
      if (i >= 0 && (r as unknown[]).length > 0) committed.set(String(values[i]), hr());
      return r;
    },
  },
}) as unknown as Db;
const bus = createInProcessBus();

const built = buildApp({
  config: {
    publicBaseUrl: SP_PUBLIC_BASE_URL,
    // No accept is ever sent, so nothing reaches Twilio REST; a closed local port makes sure.
    twilio: { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: SP_AUTH_TOKEN, apiBaseUrl: 'http://127.0.0.1:9', callerId: '+966920000000' },
    jwt: { secret: SP_JWT_SECRET },
    crmLookupBudgetMs: 400,
  },
  db,
  bus,
  logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? 'error' }, pino.destination(2)),
  // Long enough that no offer expires during the run (the tick would re-offer it).
  routingOptions: { offerTimeoutMs },
});
bus.subscribe(AGENT_MESSAGE_CHANNEL, (raw) => {
  const { message } = raw as AgentDelivery;
  if (message.type === 'screen_pop') written.set(String((message.reservation as { id: string }).id), hr());
});
for (const q of exampleKnownNames.queues) await built.services.rules.addQueue(q, {});
const ALL_DAY = [['00:00', '24:00']] as [string, string][];
const weekly = { sun: ALL_DAY, mon: ALL_DAY, tue: ALL_DAY, wed: ALL_DAY, thu: ALL_DAY, fri: ALL_DAY, sat: ALL_DAY };
await built.services.flows.publish('main', { ...demoFlowDefinition, hours: { ...demoFlowDefinition.hours, weekly, holidays: [] } }, { comment: 'bench:screenpop' });

const server = await startHttpServer(built, 0);
// The real routing loop: 1 s ticks (timeouts, wrap-ups, a dispatch); enqueue also dispatches at once.
built.services.routing.start();

process.on('message', (raw) => {
  const msg = raw as SpParentRequest;
  void (async () => {
    try {
      if (msg.type === 'cpu') {
        const u = process.cpuUsage();
        send({ type: 'cpu', ms: (u.user + u.system) / 1000, userMs: u.user / 1000 });
      } else if (msg.type === 'stamps') {
        send({ type: 'stamps', committed: [...committed], written: [...written] });
      } else if (msg.type === 'stats') {
        const [calls, queued, reservations, pending, pops, acked, delivered, states] = await Promise.all([
          // Not yesterday's seeded calls: only what this run made.
          database.prisma.call.count({ where: { NOT: { id: { startsWith: 'old-' } } } }),
          database.prisma.queueEntry.count({ where: { NOT: { id: { startsWith: 'old-' } } } }),
          database.prisma.reservation.count({ where: { NOT: { id: { startsWith: 'old-' } } } }),
          database.prisma.reservation.count({ where: { status: 'pending' } }),
          database.prisma.agentMessage.count({ where: { type: 'screen_pop' } }),
          database.prisma.agentMessage.count({ where: { type: 'screen_pop', ackedAt: { not: null } } }),
          database.prisma.callEvent.count({ where: { type: 'pop_delivered' } }),
          database.prisma.agent.groupBy({ by: ['state'], _count: { _all: true } }),
        ]);
        send({ type: 'stats', calls, queued, reservations, pending, pops, acked, delivered, agentStates: Object.fromEntries(states.map((s) => [s.state, s._count._all])) });
      } else if (msg.type === 'shutdown') {
        await server.close();
        if (schema) await database.exec(`DROP SCHEMA "${schema}" CASCADE`);
        await database.close();
        send({ type: 'closed' });
        process.disconnect();
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});

send({
  type: 'ready',
  port: Number(new URL(server.url).port),
  info: { kind: database.kind, agents, customers, history: historyPerCustomer, offerTimeoutMs, migrateMs: Math.round(migrateMs), seedMs: Math.round(seedMs) },
});
