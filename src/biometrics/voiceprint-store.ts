import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { VendorFailure } from './vendor-client.js';
import type { VendorResult, VoiceDecision } from './voice-types.js';

type RequestRow = Prisma.BiometricRequestGetPayload<object>;

export type RequestStatus = 'open' | 'sent' | 'done' | 'failed';
export type RequestFailure = VendorFailure | 'no_audio';
export type DeletionReason = 'consent_withdrawn' | 'erasure';

export interface StoredRequest {
  id: string;
  callId: string;
  customerId: string;
  speakerId: string;
  kind: 'verify' | 'enrol';
  source: 'media_stream' | 'kvs';
  speechSeconds: number;
  status: RequestStatus;
  failure: RequestFailure | null;
  result: VendorResult | null;
}

export interface NewRequest {
  callId: string;
  customerId: string;
  speakerId: string;
  kind: 'verify' | 'enrol';
  source: 'media_stream' | 'kvs';
  speechSeconds: number;
}

/** Runs inside the store's transaction (the timeline entry); `customerExists` is false once the customer is erased. */
export type Alongside = (tx: Prisma.TransactionClient, ctx: { customerId: string; speakerId: string; customerExists: boolean }) => Promise<void>;

export type RecordOutcome = 'recorded' | 'same' | 'different' | 'unknown';

export interface VoiceprintStore {
  /** The customer's live speaker, created (status enrolling, audited) when there is none. NOT_FOUND for an unknown customer. */
  liveSpeaker(customerId: string, at: Date): Promise<{ speakerId: string; enrolled: boolean }>;
  /** Opens a request, or returns the one already open for (callId, kind) with `created: false`. */
  openRequest(input: NewRequest, at: Date): Promise<{ request: StoredRequest; created: boolean }>;
  request(requestId: string): Promise<StoredRequest | undefined>;
  /** The vendor answered 202: still waiting for its callback. Only from `open`. */
  markSent(requestId: string, at: Date): Promise<void>;
  /** No verdict will come from this attempt; only while no verdict is stored. */
  fail(requestId: string, failure: RequestFailure, at: Date): Promise<boolean>;
  /**
   * Stores the vendor's verdict once (a conditional update: the first verdict wins). When
   * `enrolled` and the request is an enrolment, the speaker becomes enrolled, audited, and
   * `onEnrolled` runs in the same transaction.
   */
  recordResult(result: VendorResult, at: Date, enrolled: boolean, onEnrolled: Alongside): Promise<RecordOutcome>;
  /**
   * Marks the customer's live speaker for deletion (audited; `onRequested` in the same
   * transaction) and returns every speaker of theirs still awaiting the vendor's
   * confirmation, newest first, and the newest one the vendor already confirmed. With
   * `retireUnenrolled` (no vendor configured) a speaker never enrolled is retired at once:
   * no vendor ever held a voiceprint for it. An erasure also removes the customer's verdicts.
   */
  requestDeletion(
    customerId: string,
    reason: DeletionReason,
    at: Date,
    leaseUntil: Date,
    onRequested: Alongside,
    opts?: { retireUnenrolled?: boolean },
  ): Promise<{ pending: string[]; deleted: string | null }>;
  /** Claims deletions due by `at` (no other node takes them until `leaseUntil`). */
  claimDueDeletions(at: Date, leaseUntil: Date, limit: number): Promise<string[]>;
  /** The vendor confirmed: deleted, audited, `onDeleted` in the same transaction. False when it was not pending. */
  deletionConfirmed(speakerId: string, at: Date, onDeleted: Alongside): Promise<boolean>;
  /** Counts a failed attempt and schedules the next; returns the attempts so far. */
  deletionFailed(speakerId: string, error: string, retryAt: (attempts: number) => Date): Promise<number>;
}

function toRequest(row: RequestRow): StoredRequest {
  const result: VendorResult | null =
    row.decision === null
      ? null
      : {
          requestId: row.id,
          decision: row.decision as VoiceDecision,
          score: row.score ?? 0,
          spoof: row.spoof ?? false,
          fraud: { watchlistHit: row.watchlistHit ?? false, risk: row.risk ?? 0 },
        };
  return {
    id: row.id,
    callId: row.callId,
    customerId: row.customerId,
    speakerId: row.speakerId,
    kind: row.kind as StoredRequest['kind'],
    source: row.source as StoredRequest['source'],
    speechSeconds: row.speechSeconds,
    status: row.status as RequestStatus,
    failure: row.failure as RequestFailure | null,
    result,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

function sameResult(a: VendorResult, b: VendorResult): boolean {
  return (
    a.decision === b.decision && a.score === b.score && a.spoof === b.spoof && a.fraud.watchlistHit === b.fraud.watchlistHit && a.fraud.risk === b.fraud.risk
  );
}

/** Opaque, random, and says nothing about the customer (DESIGN.md: never a phone number or a name). */
function newSpeakerId(): string {
  return `spk_${randomBytes(16).toString('base64url')}`;
}

/** Locks the customer's row if it still exists (NO KEY UPDATE: an erasure waits for us, other writers do not). */
async function lockCustomer(tx: Prisma.TransactionClient, customerId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT "id" FROM "Customer" WHERE "id" = ${customerId} FOR NO KEY UPDATE`;
  return rows.length > 0;
}

/** The only writer of `Voiceprint`, `VoiceprintAudit` and `BiometricRequest`. */
export function createVoiceprintStore(db: Db): VoiceprintStore {
  const audit = (tx: Prisma.TransactionClient, a: { speakerId: string; customerId: string; action: string; reason?: string; at: Date }) =>
    tx.voiceprintAudit.create({ data: { speakerId: a.speakerId, customerId: a.customerId, action: a.action, reason: a.reason ?? null, at: a.at } });

  return {
    async liveSpeaker(customerId, at) {
      const live = await db.voiceprint.findUnique({ where: { liveFor: customerId } });
      if (live) return { speakerId: live.speakerId, enrolled: live.status === 'enrolled' };
      try {
        return await db.$transaction(async (tx) => {
          if (!(await lockCustomer(tx, customerId))) throw new AppError('NOT_FOUND', 'no such customer');
          const speakerId = newSpeakerId();
          await tx.voiceprint.create({ data: { speakerId, customerId, liveFor: customerId, status: 'enrolling', createdAt: at, updatedAt: at } });
          await audit(tx, { speakerId, customerId, action: 'created', at });
          return { speakerId, enrolled: false };
        });
      } catch (err) {
        // Two calls of the same customer raced; both get the one that won.
        if (!isUniqueViolation(err)) throw err;
        const won = await db.voiceprint.findUniqueOrThrow({ where: { liveFor: customerId } });
        return { speakerId: won.speakerId, enrolled: won.status === 'enrolled' };
      }
    },

    async openRequest(input, at) {
      const existing = await db.biometricRequest.findUnique({ where: { callId_kind: { callId: input.callId, kind: input.kind } } });
      if (existing) return { request: toRequest(existing), created: false };
      try {
        const row = await db.biometricRequest.create({ data: { id: randomUUID(), ...input, status: 'open', createdAt: at } });
        return { request: toRequest(row), created: true };
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const row = await db.biometricRequest.findUniqueOrThrow({ where: { callId_kind: { callId: input.callId, kind: input.kind } } });
        return { request: toRequest(row), created: false };
      }
    },

    async request(requestId) {
      const row = await db.biometricRequest.findUnique({ where: { id: requestId } });
      return row ? toRequest(row) : undefined;
    },

    async markSent(requestId, at) {
      await db.biometricRequest.updateMany({ where: { id: requestId, status: 'open' }, data: { status: 'sent', sentAt: at } });
    },

    async fail(requestId, failure, at) {
      const { count } = await db.biometricRequest.updateMany({
        where: { id: requestId, decision: null, status: { in: ['open', 'sent'] } },
        data: { status: 'failed', failure, resultAt: at },
      });
      return count > 0;
    },

    async recordResult(result, at, enrolled, onEnrolled) {
      return db.$transaction(async (tx) => {
        const found = await tx.biometricRequest.findUnique({ where: { id: result.requestId }, select: { kind: true, customerId: true, speakerId: true } });
        if (!found) return 'unknown' as const;
        const enrolling = found.kind === 'enrol' && enrolled;
        // An enrolment also writes the voiceprint and the timeline: the customer first, as every
        // transaction here takes it, so an erasure and an enrolment never deadlock.
        const customerExists = enrolling ? await lockCustomer(tx, found.customerId) : false;
        // A late verdict after a timeout still counts (the vendor did decide); a second one never does.
        const { count } = await tx.biometricRequest.updateMany({
          where: { id: result.requestId, decision: null },
          data: {
            status: 'done',
            failure: null,
            decision: result.decision,
            score: result.score,
            spoof: result.spoof,
            watchlistHit: result.fraud.watchlistHit,
            risk: result.fraud.risk,
            resultAt: at,
          },
        });
        if (count === 0) {
          const row = await tx.biometricRequest.findUnique({ where: { id: result.requestId } });
          // Erased between our read and our update.
          if (!row) return 'unknown' as const;
          return sameResult(toRequest(row).result!, result) ? ('same' as const) : ('different' as const);
        }
        if (enrolling) {
          const marked = await tx.voiceprint.updateMany({ where: { speakerId: found.speakerId, status: 'enrolling' }, data: { status: 'enrolled', enrolledAt: at, updatedAt: at } });
          if (marked.count > 0) {
            await audit(tx, { speakerId: found.speakerId, customerId: found.customerId, action: 'enrolled', at });
            await onEnrolled(tx, { customerId: found.customerId, speakerId: found.speakerId, customerExists });
          }
        }
        return 'recorded' as const;
      });
    },

    async requestDeletion(customerId, reason, at, leaseUntil, onRequested, opts) {
      return db.$transaction(async (tx) => {
        const customerExists = await lockCustomer(tx, customerId);
        const live = await tx.voiceprint.findMany({ where: { customerId, status: { in: ['enrolling', 'enrolled'] } } });
        for (const v of live) {
          if (opts?.retireUnenrolled && v.enrolledAt === null) {
            await tx.voiceprint.update({ where: { speakerId: v.speakerId }, data: { status: 'retired', liveFor: null, deleteReason: reason, updatedAt: at } });
            await audit(tx, { speakerId: v.speakerId, customerId, action: 'retired', reason, at });
            continue;
          }
          await tx.voiceprint.update({
            where: { speakerId: v.speakerId },
            data: { status: 'deleting', liveFor: null, deleteReason: reason, nextDeleteAt: leaseUntil, updatedAt: at },
          });
          await audit(tx, { speakerId: v.speakerId, customerId, action: 'deletion_requested', reason, at });
          await onRequested(tx, { customerId, speakerId: v.speakerId, customerExists });
        }
        // Scores and decisions are about the person too; the voiceprint rows (ids only) stay until the vendor confirms.
        if (reason === 'erasure') await tx.biometricRequest.deleteMany({ where: { customerId } });
        const pending = await tx.voiceprint.findMany({ where: { customerId, status: 'deleting' }, orderBy: { createdAt: 'desc' }, select: { speakerId: true } });
        const deleted = await tx.voiceprint.findFirst({ where: { customerId, status: 'deleted' }, orderBy: { deletedAt: 'desc' }, select: { speakerId: true } });
        return { pending: pending.map((p) => p.speakerId), deleted: deleted?.speakerId ?? null };
      });
    },

    async claimDueDeletions(at, leaseUntil, limit) {
      // SKIP LOCKED: two nodes' loops never claim the same row.
      const rows = await db.$queryRaw<Array<{ speakerId: string }>>`
        UPDATE "Voiceprint" SET "nextDeleteAt" = ${leaseUntil}
        WHERE "speakerId" IN (
          SELECT "speakerId" FROM "Voiceprint"
          WHERE "status" = 'deleting' AND "nextDeleteAt" <= ${at}
          ORDER BY "nextDeleteAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING "speakerId"`;
      return rows.map((r) => r.speakerId);
    },

    async deletionConfirmed(speakerId, at, onDeleted) {
      return db.$transaction(async (tx) => {
        const row = await tx.voiceprint.findUnique({ where: { speakerId } });
        if (!row) return false;
        const customerExists = await lockCustomer(tx, row.customerId);
        const { count } = await tx.voiceprint.updateMany({ where: { speakerId, status: 'deleting' }, data: { status: 'deleted', deletedAt: at, nextDeleteAt: null, updatedAt: at } });
        if (count === 0) return false;
        await audit(tx, { speakerId, customerId: row.customerId, action: 'deleted', reason: row.deleteReason ?? undefined, at });
        await onDeleted(tx, { customerId: row.customerId, speakerId, customerExists });
        return true;
      });
    },

    async deletionFailed(speakerId, error, retryAt) {
      return db.$transaction(async (tx) => {
        const row = await tx.voiceprint.findUnique({ where: { speakerId } });
        if (!row || row.status !== 'deleting') return row?.deleteAttempts ?? 0;
        const attempts = row.deleteAttempts + 1;
        await tx.voiceprint.update({ where: { speakerId }, data: { deleteAttempts: attempts, lastDeleteError: error.slice(0, 200), nextDeleteAt: retryAt(attempts) } });
        return attempts;
      });
    },
  };
}
