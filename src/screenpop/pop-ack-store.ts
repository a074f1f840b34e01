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
 * through the reservation the pop is about.
 */
export function createPopAckStore(db: Db): PopAckStore {
  return {
    async acknowledge(agentId, messageId, now) {
      const at = sqlTime(now);
      return db.$executeRaw`
        WITH m AS (${agentMessageSql.ack(agentId, messageId, at)})
        ${insertCallEventSql({
          callId: Prisma.sql`q."callId"`,
          key: Prisma.sql`'delivered:' || m."ref"`,
          type: 'pop_delivered',
          at,
          data: Prisma.sql`jsonb_build_object('agentId', ${agentId}::text, 'reservationId', m."ref")`,
          from: Prisma.sql`m JOIN "Reservation" r ON r."id" = m."ref" JOIN "QueueEntry" q ON q."id" = r."entryId"`,
          when: Prisma.sql`m."type" = 'screen_pop'`,
        })}`;
    },
  };
}
