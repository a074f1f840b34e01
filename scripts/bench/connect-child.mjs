// A Lambda container, as close as a plain `node` gets: no tsx, the bundle serverless.yml
// packages, its `connectFlow` export called with Connect's event. Forked by connect.ts.
//   node connect-child.mjs warm <bundle> <lookup.json> <route.json> <iterations>
//   node connect-child.mjs cold <bundle> <lookup.json>
//   node connect-child.mjs cold-constant
// Prints one JSON line with its measurements, then exits (the database pool would keep it alive).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [mode, bundle, lookupFile, routeFile, iterations] = process.argv.slice(2);
const CONSTANT = 'data:text/javascript,export const handler = async () => ({ known: "false", degraded: "false" });';
const context = { awsRequestId: 'bench', functionName: 'cc-screenpop-bench-connectFlow', getRemainingTimeInMillis: () => 8000 };

/** The fixture's event for a new contact: every action is idempotent by ContactId, so each call is a first. */
function eventFrom(file, contactId) {
  const event = structuredClone(JSON.parse(readFileSync(file, 'utf8')).event);
  const data = event.Details.ContactData;
  data.ContactId = data.InitialContactId = data.PreviousContactId = contactId;
  return event;
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const out = {};
if (mode === 'warm') {
  const { connectFlow } = await import(pathToFileURL(bundle).href);
  const { handler: constant } = await import(CONSTANT);
  const n = Number(iterations);
  const warmup = Math.min(100, n);
  out.lookup = [];
  out.route = [];
  out.constant = [];
  for (let i = 0; i < warmup + n; i++) {
    const id = randomUUID();
    const lookup = await timed(() => connectFlow(eventFrom(lookupFile, id), context));
    const route = await timed(() => connectFlow(eventFrom(routeFile, id), context));
    const c = await timed(() => constant(eventFrom(lookupFile, id), context));
    if (i >= warmup) {
      out.lookup.push(lookup);
      out.route.push(route);
      out.constant.push(c);
    }
  }
  out.sample = { lookup: await connectFlow(eventFrom(lookupFile, randomUUID()), context) };
} else if (mode === 'cold') {
  const t0 = performance.now();
  const { connectFlow } = await import(pathToFileURL(bundle).href);
  const t1 = performance.now();
  await connectFlow(eventFrom(lookupFile, randomUUID()), context);
  const t2 = performance.now();
  // performance.now() counts from the process's start: Node's own boot is in `total`.
  Object.assign(out, { boot: t0, import: t1 - t0, firstAnswer: t2 - t1, total: t2 });
} else if (mode === 'cold-constant') {
  const t0 = performance.now();
  const { handler } = await import(CONSTANT);
  const t1 = performance.now();
  await handler({}, context);
  const t2 = performance.now();
  Object.assign(out, { boot: t0, import: t1 - t0, firstAnswer: t2 - t1, total: t2 });
} else {
  throw new Error(`unknown mode '${mode}'`);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
