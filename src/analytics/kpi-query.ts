import { DateTime } from 'luxon';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { countIntervals, INTERVALS, intervalStart, intervalStarts, nextInterval, type Interval } from './buckets.js';
import { emptySums, addSums, kpisFrom, type Kpis } from './kpi-definitions.js';
import type { KpiSources } from './kpi-sources.js';
import { ALL, type KpiSelection, type KpiStore } from './kpi-store.js';

/** A query's points at most (31 days of quarter-hours): past it, a coarser interval. */
export const MAX_POINTS = 31 * 96;

export const ZKpiQuery = z.object({
  from: z.string().max(64).optional(),
  to: z.string().max(64).optional(),
  interval: z.enum(INTERVALS, { error: `must be one of ${INTERVALS.join(', ')}` }).default('1h'),
  queue: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be a lower-case queue name').optional(),
  agent: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be an agent id').optional(),
});
export type TKpiQuery = z.infer<typeof ZKpiQuery>;

export interface KpiReport {
  from: string;
  to: string;
  interval: Interval;
  queue: string | null;
  agent: string | null;
  totals: Kpis;
  series: Array<{ start: string } & Kpis>;
}

/**
 * Years a query may name. Widened to whole intervals on the business clock (whose offset in
 * year 1 is local mean time, +03:06:52 for Riyadh), the edges of 0001..9999 fall outside
 * what PostgreSQL's timestamps hold, which was a 500.
 */
const MIN_YEAR = 1000;
const MAX_YEAR = 9998;

/** `value` as an instant: an ISO date or date-time; without an offset it is read on the business clock. */
function parseTime(value: string, field: 'from' | 'to', zone: string): DateTime {
  const t = DateTime.fromISO(value, { zone });
  if (!t.isValid) throw new AppError('BAD_REQUEST', `${field}: must be an ISO 8601 date or date-time, such as 2026-11-29 or 2026-11-29T08:00:00+03:00`);
  const local = t.setZone(zone);
  if (local.year < MIN_YEAR || local.year > MAX_YEAR) throw new AppError('BAD_REQUEST', `${field}: must be in the years ${MIN_YEAR} to ${MAX_YEAR}`);
  return local;
}

/**
 * The KPIs of [from, to) per interval, for all queues and agents or one of each. The range is
 * widened to whole intervals on the business clock; a range the interval cannot show in
 * MAX_POINTS points, an end before the start, or a queue or agent nobody knows is a 400 that
 * names the field.
 */
export async function queryKpis(deps: { store: KpiStore; sources: Pick<KpiSources, 'queueRegistered' | 'agentExists'>; zone: string; now: () => Date }, q: TKpiQuery): Promise<KpiReport> {
  const { zone } = deps;
  const rawFrom = q.from ? parseTime(q.from, 'from', zone) : DateTime.fromJSDate(deps.now(), { zone }).startOf('day');
  const rawTo = q.to ? parseTime(q.to, 'to', zone) : rawFrom.plus({ days: 1 });
  if (rawTo <= rawFrom) throw new AppError('BAD_REQUEST', 'to: must be after from');
  const from = intervalStart(rawFrom.toJSDate(), q.interval, zone);
  const toStart = intervalStart(rawTo.toJSDate(), q.interval, zone);
  const to = toStart < rawTo ? nextInterval(toStart, q.interval) : toStart;
  const points = countIntervals(from, to, q.interval);
  if (points > MAX_POINTS) throw new AppError('BAD_REQUEST', `to: ${points} intervals of ${q.interval} between from and to; at most ${MAX_POINTS} (use a coarser interval)`);

  const [queueKnown, agentKnown] = await Promise.all([
    q.queue ? deps.sources.queueRegistered(q.queue).then((known) => known || deps.store.hasQueue(q.queue!)) : true,
    q.agent ? deps.sources.agentExists(q.agent) : true,
  ]);
  if (!queueKnown) throw new AppError('BAD_REQUEST', `queue: no queue '${q.queue}'`);
  if (!agentKnown) throw new AppError('BAD_REQUEST', `agent: no agent '${q.agent}'`);

  const sel: KpiSelection = {
    contacts: { queue: q.queue ?? ALL, agentId: q.agent ?? ALL },
    // Occupancy is an agent's: theirs when one is asked for, else the queue's agents' (or everyone's).
    occupancy: q.agent ? { queue: ALL, agentId: q.agent } : { queue: q.queue ?? ALL, agentId: ALL },
  };
  const groups = await deps.store.groups(sel, from.toJSDate(), to.toJSDate(), q.interval, zone);
  const byStart = new Map(groups.map((g) => [DateTime.fromISO(g.start, { zone }).toMillis(), g.sums]));
  const total = emptySums();
  const series = intervalStarts(from, to, q.interval).map((start) => {
    const sums = byStart.get(start.toMillis()) ?? emptySums();
    addSums(total, sums);
    return { start: iso(start), ...kpisFrom(sums) };
  });
  return { from: iso(from), to: iso(to), interval: q.interval, queue: q.queue ?? null, agent: q.agent ?? null, totals: kpisFrom(total), series };
}

const iso = (t: DateTime) => t.toISO({ suppressMilliseconds: true })!;
