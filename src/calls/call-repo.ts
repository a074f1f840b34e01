import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Action, IvrEvent, Session } from '../ivr/types.js';
import { summarizeCall } from './call-summary.js';
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
  /** Creates the call, its first IVR answer and its timeline entry together; 'duplicate' when a retry won the race. */
  start(call: NewCall, first: CallStepRecord, session: Session, outcomeQueue: string | null): Promise<CallRecord | 'duplicate'>;
  /** Stores the answer to step `seq` of the call as read and its new state; 'duplicate' when that step was already answered. */
  advance(call: CallRecord, step: CallStepRecord, session: Session, outcomeQueue: string | null, hungUp: boolean): Promise<CallRecord | 'duplicate'>;
  /** Ends the call once; later or repeated status callbacks change nothing. */
  complete(provider: Provider, providerCallId: string, end: { endStatus: string; durationSeconds: number | null; endedAt: Date }): Promise<CallRecord | undefined>;
}

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

export function createCallRepo(db: Db): CallRepo {
  return {
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
      const rows = await db.$queryRaw<Array<{ id: string }>>`
        WITH c AS (
          INSERT INTO "Call" ("id", "provider", "providerCallId", "fromE164", "fromRaw", "to", "customerId", "flowName",
                              "flowVersion", "language", "session", "status", "queue", "intent", "startedAt")
          VALUES (${record.id}, ${call.provider}, ${call.providerCallId}, ${call.fromE164}, ${call.fromRaw}, ${call.to},
                  ${call.customerId}, ${call.flowName}, ${call.flowVersion}, ${record.language}, ${JSON.stringify(session)}::jsonb,
                  ${record.status}, ${record.queue}, ${record.intent}, ${at}::timestamp)
          ON CONFLICT ("provider", "providerCallId") DO NOTHING
          RETURNING "id"
        ), s AS (
          INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
          SELECT c."id", ${step.seq}, ${step.nodeId}, ${step.input}, ${step.result}, ${JSON.stringify(first.events)}::jsonb,
                 ${step.response}, ${at}::timestamp FROM c
        ), i AS (
          INSERT INTO "Interaction" ("id", "idempotencyKey", "customerId", "phoneE164", "channel", "type", "at", "summary",
                                     "callId", "createdAt", "updatedAt")
          SELECT ${randomUUID()}, ${callInteractionKey(call.provider, call.providerCallId)}, ${call.customerId}, ${call.fromE164},
                 'voice', 'call', ${at}::timestamp, ${summarizeCall(record)}, c."id",
                 ${at}::timestamp, ${at}::timestamp FROM c
        )
        SELECT "id" FROM c`;
      return rows.length === 1 ? record : 'duplicate';
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
        status: call.status === 'completed' ? 'completed' : outcomeQueue ? 'queued' : hungUp ? 'ivr_hangup' : call.status,
      };
      const data = stepData(step);
      const at = sqlTime(new Date());
      const rows = await db.$queryRaw<CallRow[]>`
        WITH s AS (
          INSERT INTO "CallStep" ("callId", "seq", "nodeId", "input", "result", "events", "response", "createdAt")
          VALUES (${call.id}, ${data.seq}, ${data.nodeId}, ${data.input}, ${data.result}, ${JSON.stringify(step.events)}::jsonb, ${data.response}, ${at}::timestamp)
          ON CONFLICT ("callId", "seq") DO NOTHING
          RETURNING "callId"
        ), c AS (
          UPDATE "Call" SET "session" = ${JSON.stringify(session)}::jsonb, "language" = ${expected.language}, "intent" = COALESCE(${session.intent ?? null}, "Call"."intent"),
                            "queue" = COALESCE(${outcomeQueue}, "Call"."queue"), "stepSeq" = GREATEST("Call"."stepSeq", ${step.seq}),
                            "status" = CASE WHEN "Call"."status" = 'completed' THEN 'completed' ELSE ${expected.status} END
          WHERE "Call"."id" = ${call.id} AND EXISTS (SELECT 1 FROM s)
          RETURNING ${CALL_COLUMNS}
        ), i AS (
          UPDATE "Interaction" SET "summary" = ${summarizeCall(expected)}, "updatedAt" = ${at}::timestamp
          FROM c WHERE "Interaction"."idempotencyKey" = ${callInteractionKey(call.provider, call.providerCallId)} AND c."status" <> 'completed'
        )
        SELECT * FROM c`;
      const row = rows[0];
      if (!row) return 'duplicate';
      const record = toRecord(row);
      if (record.status === 'completed') await db.interaction.updateMany({ where: { idempotencyKey: callInteractionKey(call.provider, call.providerCallId) }, data: { summary: summarizeCall(record) } });
      return record;
    },

    async complete(provider, providerCallId, end) {
      return db.$transaction(async (tx) => {
        const current = await tx.call.findUnique({ where: { provider_providerCallId: { provider, providerCallId } } });
        if (!current) return undefined;
        if (current.endedAt) return toRecord(current);
        const row = await tx.call.update({
          where: { id: current.id },
          data: { status: 'completed', endStatus: end.endStatus, durationSeconds: end.durationSeconds, endedAt: end.endedAt },
        });
        const record = toRecord(row);
        // By its unique key: the call's timeline entry, found through an index.
        await tx.interaction.updateMany({ where: { idempotencyKey: callInteractionKey(provider, providerCallId) }, data: { summary: summarizeCall(record) } });
        return record;
      });
    },
  };
}
