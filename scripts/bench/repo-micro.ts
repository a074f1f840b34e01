/**
 * npx tsx scripts/bench/repo-micro.ts [--customers N] [--iterations N]
 *
 * Times the database work of one new call (caller lookup + call/step/timeline insert)
 * in isolation, variant by variant, on DATABASE_URL (throwaway schema) or in-memory PGlite.
 * Serial and single-connection on purpose: it measures cost per call, not concurrency.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCallRepo } from '../../src/calls/call-repo.js';
import { createCustomerRepo } from '../../src/crm/customer-repo.js';
import { openDatabase } from '../../src/db/client.js';
import type { Prisma } from '../../src/generated/prisma/client.js';
import { seedCustomers } from './seed-customers.js';
import { seededPhone } from './phones.js';

const { values: args } = parseArgs({ options: { customers: { type: 'string', default: '200000' }, iterations: { type: 'string', default: '1000' } } });
const customers = Number(args.customers);
const iterations = Number(args.iterations);
const root = path.resolve(import.meta.dirname, '../..');
const databaseUrl = process.env.DATABASE_URL || undefined;
const schema = databaseUrl ? `micro_${randomBytes(5).toString('hex')}` : undefined;

const db = await openDatabase(databaseUrl ? { databaseUrl, schema, dataDir: '' } : { memory: true, dataDir: '' });
await db.migrate({ schemaPath: path.join(root, 'prisma/schema.prisma'), migrationsDir: path.join(root, 'prisma/migrations') });
await seedCustomers(db, customers);
const prisma = db.prisma;
const customerRepo = createCustomerRepo(prisma);
const callRepo = createCallRepo(prisma);

const session = { nodeId: 'main', language: 'ar', path: ['route', 'main'], inputs: {}, retries: 0 };
const events = [{ nodeId: 'route', result: 'entered', at: new Date().toISOString() }];

async function time(name: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await fn(i);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) await fn(i);
  const wall = (performance.now() - t0) / iterations;
  const c = process.cpuUsage(c0);
  console.log(`${name.padEnd(44)} ${wall.toFixed(3)} ms wall, ${((c.user + c.system) / 1000 / iterations).toFixed(3)} ms node CPU per call`);
}

const phone = () => seededPhone(randomInt(0, customers));

await time('lookup: findFirst + latest (before)', async () => {
  const c = await prisma.customer.findFirst({ where: { phones: { some: { e164: phone() } } }, include: { phones: true }, orderBy: { updatedAt: 'desc' } });
  if (c) await prisma.interaction.findFirst({ where: { customerId: c.id }, orderBy: [{ at: 'desc' }, { id: 'desc' }] });
});
await time('lookup: customerRepo.findCaller (after)', async () => {
  if (!customerRepo.findCaller) throw new Error('findCaller missing');
  await customerRepo.findCaller(phone());
});
await time('lookup: one raw query (join + lateral)', async () => {
  await prisma.$queryRaw`
    SELECT c.*, (SELECT array_agg(p2."e164") FROM "CustomerPhone" p2 WHERE p2."customerId" = c."id") AS "phones",
           COALESCE(last."type" = 'complaint' AND last."status" IS DISTINCT FROM 'resolved', false) AS "openComplaint"
    FROM (SELECT c0.* FROM "CustomerPhone" p JOIN "Customer" c0 ON c0."id" = p."customerId"
          WHERE p."e164" = ${phone()} ORDER BY c0."updatedAt" DESC LIMIT 1) c
    LEFT JOIN LATERAL (SELECT i."type", i."status" FROM "Interaction" i WHERE i."customerId" = c."id"
                       ORDER BY i."at" DESC, i."id" DESC LIMIT 1) last ON true`;
});

const callData = (sid: string) => ({
  provider: 'twilio',
  providerCallId: sid,
  fromRaw: '+966500000001',
  fromE164: '+966500000001',
  to: '+966920000000',
  customerId: null,
  flowName: 'main',
  flowVersion: 1,
  startedAt: new Date(),
  language: 'ar',
  session: session as unknown as Prisma.InputJsonValue,
  intent: null,
  queue: null,
  status: 'in_ivr',
});
const stepData = { seq: 0, nodeId: 'route', input: null, result: 'entered', events: events as unknown as Prisma.InputJsonValue, response: '[]' };
const interactionData = (sid: string, callId: string) => ({
  idempotencyKey: `call:twilio:${sid}`,
  customerId: null,
  phoneE164: '+966500000001',
  channel: 'voice',
  type: 'call',
  at: new Date(),
  summary: 'Inbound call',
  callId,
});

await time('write: find + interactive tx (before)', async () => {
  const sid = `CA${randomUUID()}`;
  await prisma.call.findUnique({ where: { provider_providerCallId: { provider: 'twilio', providerCallId: sid } } });
  await prisma.$transaction(async (tx) => {
    const row = await tx.call.create({ data: { ...callData(sid), steps: { create: stepData } } });
    await tx.interaction.create({ data: interactionData(sid, row.id) });
  });
});
await time('write: callRepo.start, batch tx (after)', async () => {
  const { status: _s, language: _l, session: _se, intent: _i, queue: _q, ...call } = callData(`CA${randomUUID()}`);
  const first = { ...stepData, events: events as never, actions: [] };
  const created = await callRepo.start({ ...call, provider: 'twilio' }, first, session as never, null);
  if (created === 'duplicate') throw new Error('unexpected duplicate');
});
await time('write: one raw CTE statement', async () => {
  const sid = `CA${randomUUID()}`;
  const now = new Date();
  await prisma.$queryRaw`
    WITH c AS (
      INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName", "flowVersion",
                          "language", "session", "status", "queue", "intent", "startedAt")
      VALUES (${randomUUID()}, 'twilio', ${sid}, '+966500000001', '+966500000001', '+966920000000', NULL, 'main', 1,
              'ar', ${JSON.stringify(session)}::jsonb, 'in_ivr', NULL, NULL, ${now})
      ON CONFLICT ("provider", "providerCallId") DO NOTHING
      RETURNING "id"
    ), s AS (
      INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
      SELECT c."id", 0, 'route', NULL, 'entered', ${JSON.stringify(events)}::jsonb, '[]', ${now} FROM c
    ), i AS (
      INSERT INTO "Interaction" ("id", "idempotencyKey", "customerId", "phoneE164", "channel", "type", "at", "summary", "callId", "createdAt", "updatedAt")
      SELECT ${randomUUID()}, ${`call:twilio:${sid}`}, NULL, '+966500000001', 'voice', 'call', ${now}, 'Inbound call', c."id", ${now}, ${now} FROM c
    )
    SELECT "id" FROM c`;
});

if (schema) await db.exec(`DROP SCHEMA "${schema}" CASCADE`);
await db.close();
