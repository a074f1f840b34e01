import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client.js';
import { insertCallEventSql } from '../calls/call-events.js';
import { sqlTime } from '../db/sql-time.js';
import { agentMessageSql, toAgentMessage, type AgentMessage } from '../realtime/agent-messages.js';
import { offerAgentSql } from './agent-state-store.js';

/** What the agent is told about an offer, stored as their next softphone message. */
export interface OfferNotice {
  type: string;
  payload: Record<string, unknown>;
  /** A line on the call's record (e.g. pop_sent), written with the offer. */
  callEvent?: { key: string; type: string; data: Record<string, string> };
}

export interface NewOffer {
  /** Chosen by the caller so the notice can name the reservation before it exists. */
  id: string;
  entryId: string;
  agentId: string;
  now: Date;
  expiresAt: Date;
  notice?: OfferNotice;
}

/** The queue store's parts of the offer (it owns QueueEntry and Reservation), as CTE bodies. */
export interface OfferQueueSql {
  /** The entry, locked, if it is still waiting for an agent (and its caller still there). */
  lockWaiting(entryId: string): Prisma.Sql;
  /** Marks the entry locked in `locked` offered, once `gate` (the free agent) has a row; returns "id", "callId". */
  markOffered(locked: string, gate: string, at: string): Prisma.Sql;
  /** The reservation of `entry`'s entry for `agent`'s agent; returns "id". */
  insertReservation(offer: NewOffer, entry: string, agent: string, at: string): Prisma.Sql;
}

/**
 * The offer in one statement, one round trip: it is on the hot path of every call (the
 * screen pop waits on it). Each table's part comes from the module that owns the table;
 * this is where they are put together, in the lock order every transaction uses (entry,
 * then agent): either both are still free and every write below happens, or neither is and
 * nothing does.
 *
 *   e0 queue:        the entry, locked, still waiting
 *   a0 agent state:  the agent, locked, still free (only once e0 has a row)
 *   e  queue:        entry offered
 *   a  agent state:  agent reserved, and (agent messages) the agent's next message number
 *   r  queue:        the reservation
 *   s  agent state:  the reserved event
 *   m  messages:     the notice (the screen pop), stored under that number
 *   c  call events:  its line on the call's record (pop_sent), insert-or-nothing
 *
 * The statement's text is the same for every offer (what varies are parameters), so each
 * connection prepares it once.
 */
export function offerStatement(offer: NewOffer, queue: OfferQueueSql): Prisma.Sql {
  const at = sqlTime(offer.now);
  const notice = offer.notice;
  const event = notice?.callEvent;
  return Prisma.sql`
    WITH e0 AS (${queue.lockWaiting(offer.entryId)}
    ), a0 AS (${offerAgentSql.lockIfFree(offer.agentId, 'e0')}
    ), e AS (${queue.markOffered('e0', 'a0', at)}
    ), a AS (${offerAgentSql.reserve('a0', 'e0', at, agentMessageSql.nextSeq(notice !== undefined))}
    ), r AS (${queue.insertReservation(offer, 'e', 'a', at)}
    ), s AS (${offerAgentSql.event('a', 'r', at)}
    ), m AS (${agentMessageSql.insert({
      agentId: Prisma.sql`a."id"`,
      seq: Prisma.sql`a."lastSeq"`,
      id: randomUUID(),
      type: notice?.type ?? '',
      ref: Prisma.sql`r."id"`,
      payload: notice?.payload ?? {},
      at,
      from: Prisma.sql`a, r`,
      when: notice !== undefined,
    })}
    ), c AS (${insertCallEventSql({
      callId: Prisma.sql`e."callId"`,
      key: Prisma.sql`${event?.key ?? ''}`,
      type: event?.type ?? '',
      at,
      data: Prisma.sql`${JSON.stringify(event?.data ?? {})}::jsonb`,
      from: Prisma.sql`e, r`,
      when: Prisma.sql`${event !== undefined}`,
    })}
    )
    SELECT m."seq", m."id" AS "messageId" FROM r LEFT JOIN m ON true`;
}

/** The offer as made (with its stored notice), from the statement's rows; undefined when the entry or the agent was taken. */
export function offerMade(offer: NewOffer, rows: Array<{ seq: number | null; messageId: string | null }>): (OfferRecord & { message?: AgentMessage }) | undefined {
  const row = rows[0];
  if (!row) return undefined;
  const reservation: OfferRecord = { id: offer.id, entryId: offer.entryId, agentId: offer.agentId, status: 'pending', createdAt: offer.now, expiresAt: offer.expiresAt };
  const notice = offer.notice;
  if (!notice || row.seq === null || !row.messageId) return reservation;
  return { ...reservation, message: toAgentMessage({ id: row.messageId, seq: row.seq, type: notice.type, payload: notice.payload, createdAt: offer.now }) };
}

/** A new reservation, pending. */
export interface OfferRecord {
  id: string;
  entryId: string;
  agentId: string;
  status: 'pending';
  createdAt: Date;
  expiresAt: Date;
}
