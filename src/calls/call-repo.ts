import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import { callEntrySql } from '../timeline/call-entry-sql.js';
import type { Action, IvrEvent, Session } from '../ivr/types.js';
import { moveCall, statusesLeadingTo } from './call-lifecycle.js';
import { insertCallEventSql } from './call-events.js';
import { summarizeCall } from './call-summary.js';
import { FALLBACK_QUEUE, HANG_UP, fallbackActions, fallbackSession } from './fallback.js';
import { callInteractionKey, type CallRecord, type CallStepRecord, type Provider } from './types.js';

const CALL_FIELDS = ['id', 'provider', 'providerCallId', 'fromE164', 'customerId', 'flowName', 'flowVersion', 'language', 'session', 'status', 'queue', 'intent', 'stepSeq', 'startedAt', 'endedAt', 'durationSeconds', 'endStatus'] as const;
type CallRow = Pick<Prisma.CallGetPayload<object>, (typeof CALL_FIELDS)[number]>;
// Named columns, never `*`, in prepared statements (see src/db/client.ts).
const CALL_COLUMNS = Prisma.raw(CALL_FIELDS.map((f) => `"${f}"`).join(', '));

function toRecord(row: CallRow): CallRecord {
  return {
    id: row.id,
    provider: row.provider as Provider,
    providerCallId: row.providerCallId,
    fromE164: row.fromE164,
    customerId: row.customerId,
    flowName: row.flowName,
    flowVersion: row.flowVersion,
    language: row.language,
    session: row.session as unknown as Session,
    status: row.status as CallRecord['status'],
    queue: row.queue,
    intent: row.intent,
    stepSeq: row.stepSeq,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    durationSeconds: row.durationSeconds,
    endStatus: row.endStatus,
  };
}

export interface NewCall {
  provider: Provider;
  providerCallId: string;
  fromRaw: string;
  fromE164: string | null;
  to: string | null;
  customerId: string | null;
  flowName: string;
  flowVersion: number;
  startedAt: Date;
}

export interface CallRepo {
  find(provider: Provider, providerCallId: string): Promise<CallRecord | undefined>;
  step(callId: string, seq: number): Promise<CallStepRecord | undefined>;
  /**
   * Creates the call, its first IVR answer and its timeline entry together; 'duplicate' when
   * the call is already stored (a retry, or another delivery won the race). A row left by an
   * end that came first is filled in instead (its first answer stored as a hang-up).
   */
  start(call: NewCall, first: CallStepRecord, session: Session, outcomeQueue: string | null): Promise<CallRecord | 'duplicate'>;
  /** Stores the answer to step `seq` of the call as read and its new state; 'duplicate' when that step was already answered. */
  advance(call: CallRecord, step: CallStepRecord, session: Session, outcomeQueue: string | null, hungUp: boolean): Promise<CallRecord | 'duplicate'>;
  /**
   * Ends the call once; later or repeated status callbacks change nothing. An end for a call
   * we have no row for is kept as an ended call when `caller` is given (the start may come late).
   */
  complete(provider: Provider, providerCallId: string, end: CallEnd, caller?: { fromRaw: string; fromE164: string | null; to: string | null }): Promise<CallRecord | undefined>;
  /**
   * The caller heard the fallback (apology, general queue) at step `seq`: the call exists
   * (created if its start never reached us), that step is the fallback, and the call waits
   * in the fallback queue — unless it has ended, which stands.
   */
  recordFallback(f: FallbackRecord): Promise<CallRecord>;
  /**
   * A call whose IVR runs at the provider (Amazon Connect's contact flow): created on the first
   * word of it (the flow's lookup or any contact event, in whatever order they come), filled in
   * by later ones (a customer, a number, an earlier start), never created twice.
   */
  recordExternal(call: ExternalCall): Promise<CallRecord>;
  /**
   * As `recordExternal`, with an event of the call stored in the same statement (keyed per
   * call, so a repeat stores nothing): `eventAdded` says whether this call stored it. One
   * round trip where a new call and its first event would otherwise take two in a row.
   */
  recordExternal(call: ExternalCall, event: ExternalCallEvent): Promise<CallRecord & { eventAdded: boolean }>;
  /** The provider put the external call in line (`queue` when we know its name); a later or ended call keeps its status. */
  queueExternal(provider: Provider, providerCallId: string, queue: string | null): Promise<CallRecord | undefined>;
}

export interface ExternalCallEvent {
  key: string;
  type: string;
  at: Date;
  data: Record<string, string>;
}

export interface ExternalCall {
  provider: Provider;
  providerCallId: string;
  /** '' when the provider did not say (a contact event carries no number). */
  fromRaw: string;
  fromE164: string | null;
  to: string | null;
  customerId: string | null;
  language: string;
  startedAt: Date;
}

/** The flow name of calls whose IVR is the provider's own (Connect's contact flow). */
export const EXTERNAL_FLOW = 'provider';

export interface CallEnd {
  endStatus: string;
  durationSeconds: number | null;
  endedAt: Date;
}

export interface FallbackRecord {
  provider: Provider;
  providerCallId: string;
  fromRaw: string;
  fromE164: string | null;
  to: string | null;
  seq: number;
  input: string | null;
  at: Date;
  flowName: string;
  flowVersion: number;
}

const HANG_UP_RESPONSE = JSON.stringify(HANG_UP);

function stepData(step: CallStepRecord) {
  return {
    seq: step.seq,
    nodeId: step.nodeId,
    input: step.input,
    result: step.result,
    events: step.events as unknown as Prisma.InputJsonValue,
    response: JSON.stringify(step.actions),
  };
}

/** The call as it will be stored, before the insert: its timeline summary is written in the same batch. */
function newCallRecord(id: string, call: NewCall, session: Session, outcomeQueue: string | null): CallRecord {
  return {
    id,
    provider: call.provider,
    providerCallId: call.providerCallId,
    fromE164: call.fromE164,
    customerId: call.customerId,
    flowName: call.flowName,
    flowVersion: call.flowVersion,
    startedAt: call.startedAt,
    language: session.language,
    session,
    intent: session.intent ?? null,
    queue: outcomeQueue,
    status: outcomeQueue ? 'queued' : 'in_ivr',
    stepSeq: 0,
    endedAt: null,
    durationSeconds: null,
    endStatus: null,
  };
}

/** `now` is the app's clock: step and summary times follow it, as the call's start does. */
export function createCallRepo(db: Db, now: () => Date = () => new Date()): CallRepo {
  const repo: CallRepo = {
    async find(provider, providerCallId) {
      // Raw: read on every webhook, and Prisma's ORM path costs twice the CPU of its raw one.
      const [row] = await db.$queryRaw<CallRow[]>`SELECT ${CALL_COLUMNS} FROM "Call" WHERE "provider" = ${provider} AND "providerCallId" = ${providerCallId}`;
      return row ? toRecord(row) : undefined;
    },

    async step(callId, seq) {
      const row = await db.callStep.findUnique({ where: { callId_seq: { callId, seq } } });
      if (!row) return undefined;
      return { seq: row.seq, nodeId: row.nodeId, input: row.input, result: row.result, events: row.events as unknown as IvrEvent[], actions: JSON.parse(row.response) as Action[] };
    },

    async start(call, first, session, outcomeQueue) {
      // The webhook's hot path: call, first IVR answer and timeline entry in ONE statement.
      // A conflicting CallSid inserts nothing (a retry won the race) and returns no row.
      const record = newCallRecord(randomUUID(), call, session, outcomeQueue);
      const at = sqlTime(call.startedAt);
      const step = stepData(first);
      const rows = await db.$queryRaw<CallRow[]>`
        WITH c AS (
          INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName",
                              "flowVersion", "language", "session", "status", "queue", "intent", "startedAt")
          VALUES (${record.id}, ${call.provider}, ${call.providerCallId}, ${call.fromE164}, ${call.fromRaw}, ${call.to},
                  ${call.customerId}, ${call.flowName}, ${call.flowVersion}, ${record.language}, ${JSON.stringify(session)}::jsonb,
                  ${record.status}, ${record.queue}, ${record.intent}, ${at}::timestamp)
          -- The provider's end can arrive before its start (a slow webhook): that end left a
          -- row with no IVR (flowVersion 0). The start fills it in; the end stands.
          ON CONFLICT ("provider", "providerCallId") DO UPDATE
            SET "customerId" = EXCLUDED."customerId", "flowName" = EXCLUDED."flowName", "flowVersion" = EXCLUDED."flowVersion",
                "language" = EXCLUDED."language", "session" = EXCLUDED."session", "intent" = EXCLUDED."intent",
                "startedAt" = LEAST("Call"."startedAt", EXCLUDED."startedAt")
            WHERE "Call"."flowVersion" = 0 AND NOT EXISTS (SELECT 1 FROM "CallStep" WHERE "callId" = "Call"."id")
          RETURNING ${CALL_COLUMNS}
        ), s AS (
          -- Landing on an ended call, the start is answered with a hang-up: that is the answer a repeat gets.
          INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
          SELECT c."id", ${step.seq}, ${step.nodeId}, ${step.input}, ${step.result}, ${JSON.stringify(first.events)}::jsonb,
                 CASE WHEN c."endedAt" IS NULL THEN ${step.response} ELSE ${HANG_UP_RESPONSE} END, ${at}::timestamp FROM c
        ), i AS (${callEntrySql.insert({
          key: callInteractionKey(call.provider, call.providerCallId),
          customerId: Prisma.sql`${call.customerId}`,
          phoneE164: call.fromE164,
          at: Prisma.sql`${at}::timestamp`,
          summary: summarizeCall(record),
          writtenAt: at,
          from: Prisma.sql`c`,
          onRepeat: 'link',
        })})
        SELECT ${CALL_COLUMNS} FROM c`;
      const row = rows[0];
      if (!row) return 'duplicate';
      if (row.id === record.id) return record;
      // Merged into an ended call: its summary says how it ended.
      const merged = toRecord(row);
      await setSummary(call.provider, call.providerCallId, merged);
      return merged;
    },

    async advance(call, step, session, outcomeQueue, hungUp) {
      // One statement on the webhook's hot path. The step's key (call, seq) makes a repeat a
      // no-op. A status callback may have ended the call since it was read: the late step is
      // recorded, the end stands, and the summary is then written from the stored row.
      const expected: CallRecord = {
        ...call,
        session,
        language: session.language,
        intent: session.intent ?? call.intent,
        queue: outcomeQueue ?? call.queue,
        stepSeq: Math.max(call.stepSeq, step.seq),
        status: moveCall(call.status, outcomeQueue ? 'queued' : hungUp ? 'ivr_hangup' : call.status),
      };
      const data = stepData(step);
      const at = sqlTime(now());
      const rows = await db.$queryRaw<CallRow[]>`
        WITH s AS (
          INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
          VALUES (${call.id}, ${data.seq}, ${data.nodeId}, ${data.input}, ${data.result}, ${JSON.stringify(step.events)}::jsonb, ${data.response}, ${at}::timestamp)
          ON CONFLICT ("callId", "seq") DO NOTHING
          RETURNING "callId"
        ), c AS (
          UPDATE "Call" SET "session" = ${JSON.stringify(session)}::jsonb, "language" = ${expected.language}, "intent" = COALESCE(${session.intent ?? null}, "Call"."intent"),
                            "queue" = COALESCE(${outcomeQueue}, "Call"."queue"), "stepSeq" = GREATEST("Call"."stepSeq", ${step.seq}),
                            "status" = CASE WHEN "Call"."status" = ANY(${statusesLeadingTo(expected.status)}::text[]) THEN ${expected.status} ELSE "Call"."status" END
          WHERE "Call"."id" = ${call.id} AND EXISTS (SELECT 1 FROM s)
          RETURNING ${CALL_COLUMNS}
        ), i AS (${callEntrySql.setSummary({
          key: callInteractionKey(call.provider, call.providerCallId),
          summary: summarizeCall(expected),
          writtenAt: at,
          from: Prisma.sql`c`,
          onlyIf: Prisma.sql`c."status" <> 'completed'`,
        })})
        SELECT * FROM c`;
      const row = rows[0];
      if (!row) return 'duplicate';
      const record = toRecord(row);
      if (record.status === 'completed') await setSummary(call.provider, call.providerCallId, record);
      return record;
    },

    async complete(provider, providerCallId, end, caller) {
      const ended = await completeExisting(provider, providerCallId, end);
      if (ended || !caller) return ended;
      // The end arrived before the call's start: keep it as the call's row, so the start
      // (if it still comes) finds the call over, and the timeline shows the call.
      await insertEndedStub(provider, providerCallId, end, caller);
      return completeExisting(provider, providerCallId, end);
    },

    async recordFallback(f) {
      const at = sqlTime(f.at);
      const session = fallbackSession(f.flowName);
      const actions = JSON.stringify(fallbackActions());
      const draft: CallRecord = {
        id: randomUUID(), provider: f.provider, providerCallId: f.providerCallId, fromE164: f.fromE164, customerId: null, flowName: f.flowName,
        flowVersion: f.flowVersion, language: session.language, session, status: 'queued', queue: FALLBACK_QUEUE, intent: null, stepSeq: f.seq,
        startedAt: f.at, endedAt: null, durationSeconds: null, endStatus: null,
      };
      // One statement: the call (created if its start never reached us), the step the caller
      // actually heard — the fallback, replacing any answer a late webhook stored for it — and
      // the call's place in the fallback queue unless it has ended meanwhile.
      const rows = await db.$queryRaw<CallRow[]>`
        WITH cust AS (${customerByPhone(f.fromE164)}), c AS (
          INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName",
                              "flowVersion", "language", "session", "status", "queue", "stepSeq", "startedAt")
          VALUES (${draft.id}, ${f.provider}, ${f.providerCallId}, ${f.fromE164}, ${f.fromRaw}, ${f.to}, (SELECT "id" FROM cust),
                  ${f.flowName}, ${f.flowVersion}, COALESCE((SELECT "language" FROM cust), 'ar'), ${JSON.stringify(session)}::jsonb,
                  'queued', ${FALLBACK_QUEUE}, ${f.seq}, ${at}::timestamp)
          ON CONFLICT ("provider", "providerCallId") DO UPDATE
            SET "status" = CASE WHEN "Call"."endedAt" IS NULL AND "Call"."status" = ANY(${statusesLeadingTo('queued')}::text[]) THEN 'queued' ELSE "Call"."status" END,
                "queue" = CASE WHEN "Call"."endedAt" IS NULL THEN ${FALLBACK_QUEUE} ELSE "Call"."queue" END,
                "stepSeq" = GREATEST("Call"."stepSeq", ${f.seq})
          RETURNING ${CALL_COLUMNS}
        ), s AS (
          INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
          SELECT c."id", ${f.seq}, 'fallback', ${f.input}, 'fallback', '[]'::jsonb, ${actions}, ${at}::timestamp FROM c
          ON CONFLICT ("callId", "seq") DO UPDATE SET "result" = 'fallback', "response" = EXCLUDED."response", "nodeId" = 'fallback'
        ), i AS (${callEntrySql.insert({
          key: callInteractionKey(f.provider, f.providerCallId),
          customerId: Prisma.sql`c."customerId"`,
          phoneE164: f.fromE164,
          at: Prisma.sql`c."startedAt"`,
          // Written right after, from the stored row (an existing call keeps its own).
          summary: '',
          writtenAt: at,
          from: Prisma.sql`c`,
          onRepeat: 'nothing',
        })})
        SELECT ${CALL_COLUMNS} FROM c`;
      const record = toRecord(rows[0]!);
      await setSummary(f.provider, f.providerCallId, record);
      return record;
    },

    async recordExternal(call: ExternalCall, event?: ExternalCallEvent): Promise<CallRecord & { eventAdded: boolean }> {
      const session: Session = { flow: EXTERNAL_FLOW, nodeId: EXTERNAL_FLOW, language: call.language as Session['language'], attempts: 0, path: [], inputs: {} };
      const draft: CallRecord = {
        id: randomUUID(), provider: call.provider, providerCallId: call.providerCallId, fromE164: call.fromE164, customerId: call.customerId, flowName: EXTERNAL_FLOW,
        // Not 0: that marks a row an early end left behind, which a Twilio start may still fill in.
        flowVersion: 1, language: call.language, session, status: 'in_ivr', queue: null, intent: null, stepSeq: 0,
        startedAt: call.startedAt, endedAt: null, durationSeconds: null, endStatus: null,
      };
      const at = sqlTime(call.startedAt);
      const writtenAt = sqlTime(now());
      // One statement: the call and its timeline entry. A repeat (or a later event) fills in
      // what the first writer did not know and keeps everything else.
      const rows = await db.$queryRaw<Array<CallRow & { eventAdded: boolean }>>`
        WITH c AS (
          INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName",
                              "flowVersion", "language", "session", "status", "startedAt")
          VALUES (${draft.id}, ${call.provider}, ${call.providerCallId}, ${call.fromE164}, ${call.fromRaw}, ${call.to}, ${call.customerId},
                  ${EXTERNAL_FLOW}, 1, ${call.language}, ${JSON.stringify(session)}::jsonb, 'in_ivr', ${at}::timestamp)
          ON CONFLICT ("provider", "providerCallId") DO UPDATE
            SET "customerId" = COALESCE("Call"."customerId", EXCLUDED."customerId"),
                "language" = CASE WHEN "Call"."customerId" IS NULL AND EXCLUDED."customerId" IS NOT NULL THEN EXCLUDED."language" ELSE "Call"."language" END,
                "fromE164" = COALESCE("Call"."fromE164", EXCLUDED."fromE164"),
                "fromRaw" = CASE WHEN "Call"."fromRaw" = '' THEN EXCLUDED."fromRaw" ELSE "Call"."fromRaw" END,
                "to" = COALESCE("Call"."to", EXCLUDED."to"),
                "startedAt" = LEAST("Call"."startedAt", EXCLUDED."startedAt")
          RETURNING ${CALL_COLUMNS}
        ), i AS (${callEntrySql.insert({
          key: callInteractionKey(call.provider, call.providerCallId),
          customerId: Prisma.sql`c."customerId"`,
          phoneE164: call.fromE164,
          at: Prisma.sql`c."startedAt"`,
          summary: summarizeCall(draft),
          writtenAt,
          from: Prisma.sql`c`,
          onRepeat: 'link',
        })}), e AS (${
          event
            ? Prisma.sql`${insertCallEventSql({
                callId: Prisma.sql`c."id"`,
                key: Prisma.sql`${event.key}`,
                type: event.type,
                at: sqlTime(event.at),
                data: Prisma.sql`${JSON.stringify(event.data)}::jsonb`,
                from: Prisma.sql`c`,
                when: Prisma.sql`true`,
              })} RETURNING 1`
            : Prisma.sql`SELECT 1 WHERE false`
        })
        SELECT ${CALL_COLUMNS}, EXISTS (SELECT 1 FROM e) AS "eventAdded" FROM c`;
      const record = toRecord(rows[0]!);
      if (record.id !== draft.id) {
        // The entry keeps the earliest start the call is known by, and says how the call stands.
        await db.$executeRaw`${callEntrySql.moveStart({ key: callInteractionKey(call.provider, call.providerCallId), at: sqlTime(record.startedAt), writtenAt })}`;
        await setSummary(call.provider, call.providerCallId, record);
      }
      return event ? { ...record, eventAdded: rows[0]!.eventAdded } : (record as CallRecord & { eventAdded: boolean });
    },

    async queueExternal(provider, providerCallId, queue) {
      const rows = await db.$queryRaw<CallRow[]>`
        UPDATE "Call" SET "queue" = COALESCE(${queue}, "Call"."queue"),
                          "status" = CASE WHEN "Call"."status" = ANY(${statusesLeadingTo('queued')}::text[]) THEN 'queued' ELSE "Call"."status" END
        WHERE "provider" = ${provider} AND "providerCallId" = ${providerCallId}
        RETURNING ${CALL_COLUMNS}`;
      const row = rows[0];
      if (!row) return undefined;
      const record = toRecord(row);
      await setSummary(provider, providerCallId, record);
      return record;
    },
  };

  async function setSummary(provider: Provider, providerCallId: string, record: CallRecord, tx: Pick<Db, '$executeRaw'> = db): Promise<void> {
    // By its unique key: the call's timeline entry, found through an index.
    await tx.$executeRaw`${callEntrySql.setSummary({ key: callInteractionKey(provider, providerCallId), summary: summarizeCall(record), writtenAt: sqlTime(now()) })}`;
  }

  async function insertEndedStub(provider: Provider, providerCallId: string, end: CallEnd, caller: { fromRaw: string; fromE164: string | null; to: string | null }): Promise<void> {
    const endedAt = sqlTime(end.endedAt);
    const startedAt = sqlTime(new Date(end.endedAt.getTime() - (end.durationSeconds ?? 0) * 1000));
    const stub = { language: 'ar', session: fallbackSession(''), queue: null, status: 'completed' as const, intent: null, ...end };
    await db.$executeRaw`
      WITH cust AS (${customerByPhone(caller.fromE164)}), c AS (
        INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName", "flowVersion",
                            "language", "session", "status", "startedAt", "endedAt", "durationSeconds", "endStatus")
        VALUES (${randomUUID()}, ${provider}, ${providerCallId}, ${caller.fromE164}, ${caller.fromRaw}, ${caller.to}, (SELECT "id" FROM cust),
                '', 0, COALESCE((SELECT "language" FROM cust), 'ar'), ${JSON.stringify({ ...stub.session, path: [] })}::jsonb, 'completed',
                ${startedAt}::timestamp, ${endedAt}::timestamp, ${end.durationSeconds}, ${end.endStatus})
        ON CONFLICT ("provider", "providerCallId") DO NOTHING
        RETURNING "id", "customerId", "startedAt"
      )
      ${callEntrySql.insert({
        key: callInteractionKey(provider, providerCallId),
        customerId: Prisma.sql`c."customerId"`,
        phoneE164: caller.fromE164,
        at: Prisma.sql`c."startedAt"`,
        summary: summarizeCall({ ...stub, session: { ...stub.session, path: [] } }),
        writtenAt: endedAt,
        from: Prisma.sql`c`,
        onRepeat: 'nothing',
      })}`;
  }

  async function completeExisting(provider: Provider, providerCallId: string, end: CallEnd): Promise<CallRecord | undefined> {
      return db.$transaction(async (tx) => {
        const current = await tx.call.findUnique({ where: { provider_providerCallId: { provider, providerCallId } } });
        if (!current) return undefined;
        if (current.endedAt) return toRecord(current);
        const row = await tx.call.update({
          where: { id: current.id },
          data: { status: 'completed', endStatus: end.endStatus, durationSeconds: end.durationSeconds, endedAt: end.endedAt },
        });
        const record = toRecord(row);
        await setSummary(provider, providerCallId, record, tx);
        return record;
      });
  }

  return repo;
}

/** The customer a number belongs to, as the caller lookup picks them (most recently updated). */
function customerByPhone(e164: string | null) {
  return Prisma.sql`SELECT cu."id", cu."language" FROM "CustomerPhone" p JOIN "Customer" cu ON cu."id" = p."customerId"
                    WHERE p."e164" = ${e164} ORDER BY cu."updatedAt" DESC LIMIT 1`;
}

/**
 * The calls' part of an erasure, inside its transaction. What stays is the anonymous fact
 * the KPIs count (provider, queue, intent, IVR path, times, duration, how it ended); the
 * link to the customer, the caller's number, what they keyed or said, and what the IVR
 * answered them (a greeting may name them) go. An ended call's provider id goes too (the
 * provider's own logs link it to the number); a call still in progress keeps it so its
 * remaining webhooks find the row instead of starting a new call with the number.
 */
export async function eraseCalls(tx: Prisma.TransactionClient, s: { customerId: string; phones: string[] }): Promise<{ calls: number; ivrSteps: number; callIds: string[] }> {
  const [row] = await tx.$queryRaw<Array<{ ids: string[] | null; steps: number }>>`
    WITH c AS (
      UPDATE "Call" SET "customerId" = NULL, "fromE164" = NULL, "fromRaw" = '',
                        "to" = CASE WHEN "to" = ANY(${s.phones}::text[]) THEN NULL ELSE "to" END,
                        "providerCallId" = CASE WHEN "endedAt" IS NULL THEN "providerCallId" ELSE 'erased:' || "id" END,
                        "session" = jsonb_strip_nulls(jsonb_build_object(
                          'flow', "session"->'flow', 'nodeId', "session"->'nodeId', 'language', "session"->'language',
                          'attempts', "session"->'attempts', 'path', "session"->'path', 'intent', "session"->'intent',
                          -- a verification in progress goes on (opaque request ids); its verdict is the person's
                          'verify', CASE WHEN "endedAt" IS NULL THEN "session"->'verify' END)) || '{"inputs": {}}'::jsonb
      WHERE "customerId" = ${s.customerId} OR ("customerId" IS NULL AND "fromE164" = ANY(${s.phones}::text[]))
      RETURNING "id"
    ), st AS (
      UPDATE "CallStep" SET "input" = NULL, "response" = '[]',
                            "events" = COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                'type', e->'type', 'nodeId', e->'nodeId', 'nodeType', e->'nodeType', 'phase', e->'phase',
                                'result', e->'result', 'language', e->'language')))
                              FROM jsonb_array_elements("events") e), '[]'::jsonb)
      WHERE "callId" IN (SELECT "id" FROM c)
      RETURNING 1
    )
    SELECT (SELECT array_agg("id") FROM c) AS "ids", (SELECT count(*) FROM st)::int AS "steps"`;
  const callIds = row?.ids ?? [];
  return { calls: callIds.length, ivrSteps: Number(row?.steps ?? 0), callIds };
}

/** Where a retention pass over IVR steps got to (oldest first). */
export interface StepMark {
  at: Date;
  callId: string;
  seq: number;
}

/**
 * Retention: clears what callers keyed or said in up to `limit` IVR steps older than
 * `before` (the step's input, the input in its events, and the ended call's session inputs),
 * walking from `after` so no batch reads steps already done. Returns the calls touched (their
 * queue entries hold the inputs too) and where the batch ended (undefined: nothing older left).
 */
export async function clearIvrInputsBefore(db: Db, before: Date, after: StepMark | undefined, limit: number): Promise<{ cleared: number; callIds: string[]; last?: StepMark }> {
  const from = after ? Prisma.sql`AND ("createdAt", "callId", "seq") > (${sqlTime(after.at)}::timestamp, ${after.callId}, ${after.seq})` : Prisma.empty;
  const [row] = await db.$queryRaw<Array<{ cleared: number; callIds: string[] | null; lastAt: Date | null; lastCallId: string | null; lastSeq: number | null }>>`
    WITH b AS (
      SELECT "callId", "seq", "createdAt" FROM "CallStep" WHERE "createdAt" < ${sqlTime(before)}::timestamp ${from}
      ORDER BY "createdAt", "callId", "seq" LIMIT ${limit}
    ), u AS (
      UPDATE "CallStep" s SET "input" = NULL,
             "events" = COALESCE((SELECT jsonb_agg(e - 'input') FROM jsonb_array_elements(s."events") e), '[]'::jsonb)
      FROM b WHERE s."callId" = b."callId" AND s."seq" = b."seq"
        AND (s."input" IS NOT NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(s."events") e WHERE e ? 'input'))
      RETURNING s."callId"
    ), c AS (
      UPDATE "Call" SET "session" = jsonb_set("session", '{inputs}', '{}'::jsonb)
      WHERE "id" IN (SELECT "callId" FROM u) AND "endedAt" IS NOT NULL AND "session"->'inputs' <> '{}'::jsonb
      RETURNING "id"
    ), l AS (SELECT "createdAt", "callId", "seq" FROM b ORDER BY "createdAt" DESC, "callId" DESC, "seq" DESC LIMIT 1)
    SELECT (SELECT count(*) FROM u)::int AS "cleared", (SELECT array_agg(DISTINCT "callId") FROM u) AS "callIds",
           (SELECT "createdAt" FROM l) AS "lastAt", (SELECT "callId" FROM l) AS "lastCallId", (SELECT "seq" FROM l) AS "lastSeq"`;
  const last = row?.lastAt && row.lastCallId !== null && row.lastSeq !== null ? { at: new Date(row.lastAt), callId: row.lastCallId, seq: Number(row.lastSeq) } : undefined;
  return { cleared: Number(row?.cleared ?? 0), callIds: row?.callIds ?? [], ...(last ? { last } : {}) };
}
