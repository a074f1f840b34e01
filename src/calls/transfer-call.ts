import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { TransferContext } from '../routing/queue-store.js';
import type { RoutingService } from '../routing/routing-service.js';

export const TRANSFER_NOTE_MAX = 500;

export const ZTransfer = z
  .object({
    queue: z.string().min(1).max(100).optional(),
    agentId: z.string().min(1).max(128).optional(),
    mode: z.enum(['cold', 'warm'], { error: 'must be "cold" or "warm"' }),
    note: z.string().max(TRANSFER_NOTE_MAX, { error: `must be at most ${TRANSFER_NOTE_MAX} characters` }).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = [b.queue, b.agentId].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', path: [b.queue === undefined ? 'queue' : 'agentId'], message: 'give exactly one of queue or agentId' });
  });
export type TTransfer = z.infer<typeof ZTransfer>;

/** What the transfer answers (the same again for a repeat of a transfer under way). */
export interface TransferResult {
  callId: string;
  mode: 'cold' | 'warm';
  from: string;
  to: { queue: string } | { agentId: string };
  /** queued: the caller waits for the target (cold); offered: the target is being offered the call while the caller stays (warm). */
  status: 'queued' | 'offered';
  at: string;
}

/** Reads for a transfer: the call, its line entry, and whether the target exists (all written elsewhere). */
export interface TransferReads {
  call(callId: string): Promise<{ provider: string; endedAt: Date | null } | undefined>;
  line(callId: string): Promise<{ status: string; kind: string; agentId: string | null; assignedAt: Date | null; context: unknown; pendingOffers: number } | undefined>;
  agentExists(agentId: string): Promise<boolean>;
  queueExists(name: string): Promise<boolean>;
}

export function createTransferReads(db: Db): TransferReads {
  return {
    async call(callId) {
      const rows = await db.$queryRaw<Array<{ provider: string; endedAt: Date | null }>>`SELECT "provider", "endedAt" FROM "Call" WHERE "id" = ${callId}`;
      return rows[0];
    },
    async line(callId) {
      const rows = await db.$queryRaw<Array<{ status: string; kind: string; agentId: string | null; assignedAt: Date | null; context: unknown; pendingOffers: number }>>`
        SELECT e."status", e."kind", e."agentId", e."assignedAt", e."context",
               (SELECT COUNT(*)::int FROM "Reservation" r WHERE r."entryId" = e."id" AND r."status" = 'pending') AS "pendingOffers"
        FROM "QueueEntry" e WHERE e."callId" = ${callId}`;
      return rows[0];
    },
    async agentExists(agentId) {
      return (await db.$queryRaw<unknown[]>`SELECT 1 FROM "Agent" WHERE "id" = ${agentId}`).length > 0;
    },
    async queueExists(name) {
      return (await db.$queryRaw<unknown[]>`SELECT 1 FROM "RoutingQueue" WHERE "name" = ${name}`).length > 0;
    },
  };
}

const target = (b: TTransfer): TransferResult['to'] => (b.queue !== undefined ? { queue: b.queue } : { agentId: b.agentId! });
const sameTarget = (a: TransferResult['to'], b: TransferResult['to']) => JSON.stringify(a) === JSON.stringify(b);

function resultOf(callId: string, t: TransferContext, status: TransferResult['status']): TransferResult {
  return { callId, mode: t.mode, from: t.from, to: t.to, status, at: t.at };
}

/**
 * `POST /api/calls/:id/transfer`: the call's agent (or a supervisor or admin for them) hands
 * the caller to a queue or a named agent. Everything is checked before anything is written;
 * a transfer under way answers the same request with its result and refuses any other.
 */
export async function transferCall(
  deps: { reads: TransferReads; routing: Pick<RoutingService, 'transferCold' | 'transferWarm'> },
  input: { callId: string; by: { sub: string; role: string }; transfer: TTransfer },
): Promise<{ result: TransferResult; created: boolean }> {
  const { callId, by, transfer } = input;
  const call = await deps.reads.call(callId);
  if (!call) throw new AppError('NOT_FOUND', 'no such call');
  if (call.provider === 'connect') throw new AppError('CONFLICT', "an Amazon Connect call is transferred in Amazon Connect's CCP (quick connects), not here");
  const line = await deps.reads.line(callId);
  const staff = by.role === 'supervisor' || by.role === 'admin';
  if (line && !staff && line.agentId !== by.sub) throw new AppError('FORBIDDEN', "only the call's agent (or a supervisor) may transfer it");
  if (call.endedAt) throw new AppError('CONFLICT', 'the call has ended');
  if (!line || line.kind !== 'call' || !line.agentId) throw new AppError('CONFLICT', 'the call is not connected to an agent');
  const to = target(transfer);
  const pending = (line.context as { transfer?: TransferContext } | null)?.transfer;

  // A transfer under way: the cold one's caller waits for the target, the warm one's target is being offered the call.
  const coldUnderWay = (line.status === 'waiting' || line.status === 'offered') && line.assignedAt !== null && pending?.mode === 'cold';
  const warmUnderWay = line.status === 'assigned' && line.pendingOffers > 0 && pending?.mode === 'warm';
  if (coldUnderWay || warmUnderWay || line.status === 'transferring') {
    if (pending && (coldUnderWay || warmUnderWay) && pending.by === by.sub && pending.mode === transfer.mode && sameTarget(pending.to, to) && (pending.note ?? '') === (transfer.note ?? '')) {
      return { result: resultOf(callId, pending, coldUnderWay ? 'queued' : 'offered'), created: false };
    }
    throw new AppError('CONFLICT', 'a transfer of this call is already in progress');
  }
  if (line.status !== 'assigned') throw new AppError('CONFLICT', 'the call is not connected to an agent');

  if ('agentId' in to) {
    if (!(await deps.reads.agentExists(to.agentId))) throw new AppError('NOT_FOUND', `no agent '${to.agentId}'`);
    if (to.agentId === line.agentId) throw new AppError('BAD_REQUEST', 'agentId: the call is already with this agent', { issues: [{ field: 'agentId', message: 'the call is already with this agent' }] });
  } else if (!(await deps.reads.queueExists(to.queue))) {
    throw new AppError('NOT_FOUND', `no queue '${to.queue}'`);
  }

  const request = { callId, fromAgentId: line.agentId, by: by.sub, target: to, ...(transfer.note ? { note: transfer.note } : {}) };
  if (transfer.mode === 'warm') {
    const offered = await deps.routing.transferWarm(request);
    if (offered === 'unavailable') {
      throw new AppError('CONFLICT', 'agentId' in to ? `agent '${to.agentId}' is not free for a warm transfer now` : `nobody in '${to.queue}' is free for a warm transfer now; a cold transfer waits for the next one`);
    }
    if (!offered) throw new AppError('CONFLICT', 'the call is no longer connected to this agent, or a transfer is already in progress');
    return { result: resultOf(callId, offered.transfer, 'offered'), created: true };
  }
  const moved = await deps.routing.transferCold(request);
  if (!moved) {
    // Another request (or the caller's end) got there first: answer as it left the call.
    const again = await deps.reads.line(callId);
    const t = (again?.context as { transfer?: TransferContext } | null)?.transfer;
    if (again && t && t.by === by.sub && t.mode === 'cold' && sameTarget(t.to, to) && (again.status === 'waiting' || again.status === 'offered')) {
      return { result: resultOf(callId, t, 'queued'), created: false };
    }
    throw new AppError('CONFLICT', 'the call is no longer connected to this agent');
  }
  return { result: resultOf(callId, (moved.context as { transfer: TransferContext }).transfer, 'queued'), created: true };
}
