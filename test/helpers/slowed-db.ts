import type { Db } from '../../src/db/client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The same database, seen through a client on which every query touching one of `tables`
 * (a model query, or raw SQL that names the table) answers only after `delayMs`.
 */
export function slowed(db: Db, tables: string[], delayMs: number): Db {
  const touches = (model: string | undefined, args: unknown) =>
    model ? tables.includes(model) : tables.some((table) => JSON.stringify(args ?? '').includes(`\\"${table}\\"`));
  return db.$extends({
    query: {
      async $allOperations({ model, args, query }) {
        if (touches(model, args)) await sleep(delayMs);
        return query(args);
      },
    },
  }) as unknown as Db;
}
