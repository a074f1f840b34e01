import type { Db } from './client.js';

/** Whether the database answers, for readiness checks. */
export interface DbHealthRepo {
  /** Resolves once the database has answered a trivial query; rejects when it cannot. */
  ping(): Promise<void>;
}

export function createDbHealthRepo(db: Db): DbHealthRepo {
  return {
    async ping() {
      await db.$queryRaw`SELECT 1 AS "ok"`;
    },
  };
}
