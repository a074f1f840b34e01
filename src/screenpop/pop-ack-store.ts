import { insertCallEventSql } from '../calls/call-events.js';
import type { Db } from '../db/client.js';
import { sqlTime } from '../db/sql-time.js';
import { Prisma } from '../generated/prisma/client.js';
import { agentMessageSql } from '../realtime/agent-messages.js';

export interface PopAckStore {
  /**
   * Records the agent's ack of a message (a repeat keeps the first time) and, for a screen
   * pop, its delivery on the call's record, in one statement. Returns the pop_delivered
   * events written: 1 for a pop's first ack, 0 otherwise.
   */
  acknowledge(agentId: string, messageId: string, now: Date): Promise<number>;
}

/**
 * One statement, composed from the owners' parts (the ack: agent messages; the event: call
 * events): every softphone acks every pop, so the ack costs one round trip. The call is found
 * through the reservation the pop is about or, for a provider-routed pop (Amazon Connect: no
 * reservation), named by the pop's ref `call:<id>` (connected-pop-store.ts); that delivery is
 * keyed by agent, as its pop_sent is.
 */
export function createPopAckStore(db: Db): PopAckStore {
  return {
    async acknowledge(agentId, messageId, now) {
      const at = sqlTime(now);
      return db.$executeRaw`
        WITH m AS (${agentMessageSql.ack(agentId, messageId, at)})
        ${insertCallEventSql({
          callId: Prisma.sql`c."id"`,
          key: Prisma.sql`CASE WHEN r."id" IS NULL THEN ${`delivered:agent:${agentId}`}::text ELSE 'delivered:' || m."ref" END`,
          type: 'pop_delivered',
          at,
          data: Prisma.sql`jsonb_strip_nulls(jsonb_build_object('agentId', ${agentId}::text, 'reservationId', r."id"))`,
          from: Prisma.sql`m
            LEFT JOIN "Reservation" r ON r."id" = m."ref"
            LEFT JOIN "QueueEntry" q ON q."id" = r."entryId"
            JOIN "Call" c ON c."id" = COALESCE(q."callId", CASE WHEN m."ref" LIKE 'call:%' THEN substr(m."ref", 6) END)`,
          when: Prisma.sql`m."type" = 'screen_pop'`,
        })}`;
    },
  };
}
