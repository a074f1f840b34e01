import type { Database } from '../../src/db/client.js';
import { SEED_PHONE_SQL } from './phones.js';

const CHUNK = 250_000;

/**
 * Bulk-loads `n` customers with one phone each, straight through SQL (Prisma's createMany
 * would round-trip every row through the query engine). Chunks keep PGlite's WASM heap and
 * a single Postgres statement bounded; ANALYZE at the end so the planner sees 1M rows.
 */
export async function seedCustomers(db: Database, n: number, onProgress?: (done: number) => void): Promise<void> {
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK) - 1;
    await db.exec(`
      BEGIN;
      INSERT INTO "Customer" ("id", "name", "language", "tier", "accountValueAmount", "accountValueCurrency", "updatedAt")
        SELECT 'bench-' || i,
               'Customer ' || i,
               CASE WHEN i % 3 = 0 THEN 'en' ELSE 'ar' END,
               (ARRAY['standard', 'silver', 'gold', 'platinum'])[1 + i % 4],
               (i % 100000)::numeric(16, 2),
               'SAR',
               now()
        FROM generate_series(${from}, ${to}) AS i;
      INSERT INTO "CustomerPhone" ("customerId", "e164")
        SELECT 'bench-' || i, ${SEED_PHONE_SQL}
        FROM generate_series(${from}, ${to}) AS i;
      COMMIT;
    `);
    onProgress?.(to + 1);
  }
  await db.exec('ANALYZE "Customer"; ANALYZE "CustomerPhone";');
}
