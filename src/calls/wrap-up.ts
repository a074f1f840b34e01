import { z } from 'zod';
import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import type { CallEventStore } from './call-events.js';
import { checkDisposition, DISPOSITION_CODE, DISPOSITION_CODE_HINT, type DispositionStore } from './dispositions.js';

export const ZWrapUp = z
  .object({
    disposition: z.string().regex(DISPOSITION_CODE, DISPOSITION_CODE_HINT),
    notes: z.string().trim().max(2000).optional(),
    resolved: z.boolean({ error: 'must be true or false' }),
  })
  .strict();
export type TWrapUp = z.infer<typeof ZWrapUp>;

export interface WrapUpRecord {
  callId: string;
  agentId: string;
  disposition: string;
  notes: string | null;
  resolved: boolean;
  at: string;
}

/** Reads for the wrap-up: who took the call, and a wrap-up already given. */
export interface WrapUpReads {
  /** The call's line entry: its queue and the agent it was assigned to (undefined: no such call in a line; agentId null: nobody took it). */
  line(callId: string): Promise<{ agentId: string | null; queue: string } | undefined>;
  stored(callId: string, agentId: string): Promise<{ at: Date; data: Record<string, string> } | undefined>;
  /** The agent's last leg of the call (they accepted it, e.g. before transferring it on) and the queue they took it in; undefined: they never took it. */
  legOf(callId: string, agentId: string): Promise<{ queue: string | null } | undefined>;
}

const key = (agentId: string) => `wrapup:${agentId}`;

/**
 * The agent's outcome of a call they took: a disposition code, notes, and whether the
 * customer's matter was resolved (what first-contact resolution counts). Stored once per
 * call and agent as a `wrapup` call event, so it shows on the call's timeline entry; the same
 * wrap-up again is answered as stored, a different one is a conflict.
 */
export async function wrapUpCall(
  deps: {
    reads: WrapUpReads;
    events: Pick<CallEventStore, 'record'>;
    /** The admin's codes: once there are any, the call's queue must have the one given. */
    dispositions: Pick<DispositionStore, 'list'>;
    now: () => Date;
    onRecorded?: (callId: string) => Promise<void>;
  },
  input: { callId: string; agentId: string; wrapUp: TWrapUp },
): Promise<{ record: WrapUpRecord; created: boolean }> {
  const { callId, agentId, wrapUp } = input;
  const line = await deps.reads.line(callId);
  if (line === undefined) throw new AppError('NOT_FOUND', 'no such call');
  const agent = line.agentId;
  if (agent === null) throw new AppError('CONFLICT', 'nobody took this call: there is nothing to wrap up');
  // An agent wraps up their own leg, with the codes of the queue they took it in: after a cold
  // transfer the line names them until the next agent takes the call, but sits in the new queue.
  const leg = await deps.reads.legOf(callId, agentId);
  if (agent !== agentId && !leg) throw new AppError('FORBIDDEN', "only the call's agent may wrap it up");
  const data: Record<string, string> = { agentId, disposition: wrapUp.disposition, resolved: String(wrapUp.resolved), ...(wrapUp.notes ? { notes: wrapUp.notes } : {}) };
  const before = await deps.reads.stored(callId, agentId);
  // Only a new wrap-up is checked: one already stored stays answerable after the list changes.
  if (!before) await checkDisposition(deps.dispositions, leg?.queue ?? line.queue, wrapUp.disposition);
  if (!before) await deps.events.record({ callId, key: key(agentId), type: 'wrapup', at: deps.now(), data });
  const stored = before ?? (await deps.reads.stored(callId, agentId))!;
  const same = ['disposition', 'resolved', 'notes'].every((f) => stored.data[f] === data[f]);
  if (!same) throw new AppError('CONFLICT', 'this call is already wrapped up with another outcome');
  const created = !before;
  if (created) await deps.onRecorded?.(callId);
  return {
    created,
    record: { callId, agentId, disposition: stored.data.disposition!, notes: stored.data.notes ?? null, resolved: stored.data.resolved === 'true', at: stored.at.toISOString() },
  };
}

/** The wrap-up's reads, from the line entry and the call's events (both written elsewhere). */
export function createWrapUpReads(db: Db): WrapUpReads {
  return {
    async line(callId) {
      const rows = await db.$queryRaw<Array<{ agentId: string | null; queue: string }>>`SELECT "agentId", "queue" FROM "QueueEntry" WHERE "callId" = ${callId}`;
      return rows[0];
    },
    async legOf(callId, agentId) {
      // Accepts recorded before they named their queue read as null (the line's queue then).
      const rows = await db.$queryRaw<Array<{ queue: string | null }>>`
        SELECT "data"->>'queue' AS "queue" FROM "CallEvent"
         WHERE "callId" = ${callId} AND "type" = 'accepted' AND "data"->>'agentId' = ${agentId} ORDER BY "at" DESC LIMIT 1`;
      return rows[0];
    },
    async stored(callId, agentId) {
      const rows = await db.$queryRaw<Array<{ at: Date; data: Record<string, string> }>>`
        SELECT "at", "data" FROM "CallEvent" WHERE "callId" = ${callId} AND "key" = ${key(agentId)}`;
      return rows[0];
    },
  };
}
