import { openDatabase } from '/work/main/src/db/client.js';
const db = await openDatabase({ memory: true, dataDir: '' });
const slowed = db.prisma.$extends({ query: { $allModels: { async $allOperations({ model, args, query }) { if (model) await new Promise(r => setTimeout(r, 500)); return query(args); } } } });
let t = performance.now(); await slowed.$queryRaw`SELECT 1`; console.log('raw', (performance.now() - t).toFixed(0), 'ms');
try { t = performance.now(); await slowed.customer.findFirst(); } catch {} console.log('model', (performance.now() - t).toFixed(0), 'ms');
await db.close();
