import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { createFlowStore } from '../../src/ivr/flow-store.js';
import { createTestDatabase } from '../helpers/test-db.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

/** The same database through a client that counts the statements touching IvrFlow. */
function counted(prisma: Db): { db: Db; reads: () => number } {
  let n = 0;
  const db = prisma.$extends({
    query: {
      ivrFlow: {
        async $allOperations({ args, query }) {
          n += 1;
          return query(args);
        },
      },
    },
  }) as unknown as Db;
  return { db, reads: () => n };
}

function withPrompt(text: string) {
  const changed = structuredClone(demoFlowDefinition) as { nodes: Record<string, { prompt?: { en: string } }> };
  changed.nodes.q_sales!.prompt!.en = text;
  return changed;
}

describe('the active IVR flow as each node holds it', () => {
  it("sees another node's publish once its copy is older than the refresh interval, and keeps it until then", async () => {
    const clock = { ms: 0 };
    const nodeA = createFlowStore(db.prisma, { refreshMs: 5000, now: () => clock.ms });
    const nodeB = createFlowStore(db.prisma, { refreshMs: 5000, now: () => clock.ms });
    const v1 = await nodeB.publish('refresh-main', { ...withPrompt('Sales, version one.'), name: 'refresh-main' }, { comment: 'v1' });
    expect((await nodeA.active('refresh-main'))?.version).toBe(v1.version);

    const v2 = await nodeB.publish('refresh-main', { ...withPrompt('Sales, version two.'), name: 'refresh-main' }, { comment: 'v2' });
    clock.ms = 4999;
    expect((await nodeA.active('refresh-main'))?.version).toBe(v1.version);
    clock.ms = 5000;
    const seen = await nodeA.active('refresh-main');
    expect(seen?.version).toBe(v2.version);
    expect(JSON.stringify(seen?.flow)).toContain('Sales, version two.');
  });

  it('reads the database once for all the calls that arrive while a refresh runs, and only the version when it has not changed', async () => {
    const clock = { ms: 0 };
    const publisher = createFlowStore(db.prisma);
    await publisher.publish('refresh-busy', { ...withPrompt('Sales.'), name: 'refresh-busy' }, {});
    const { db: countingDb, reads } = counted(db.prisma);
    const node = createFlowStore(countingDb, { refreshMs: 5000, now: () => clock.ms });
    const first = await node.active('refresh-busy');
    const before = reads();

    clock.ms = 5000;
    const answers = await Promise.all(Array.from({ length: 50 }, () => node.active('refresh-busy')));
    expect(reads() - before).toBe(1);
    // The same validated flow the node already held: the unchanged version was not read again.
    for (const a of answers) expect(a).toBe(first);
  });
});
