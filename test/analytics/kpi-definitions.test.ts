import { describe, expect, it } from 'vitest';
import { BUCKET_MS, bucketOf, intervalStart } from '../../src/analytics/buckets.js';
import { addSums, agentTime, emptySums, kpisFrom, measureContact, wrapUpAfter, type ContactContext, type ContactEvent, type KpiSums } from '../../src/analytics/kpi-definitions.js';

const ZONE = 'Asia/Riyadh';
const th = { shortAbandonSeconds: 5, serviceLevelSeconds: (q: string) => (q === 'vip' ? 10 : 20) };
const T0 = new Date('2026-11-29T07:00:00Z'); // 10:00 in Riyadh
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const anon: ContactContext = { customerId: null, priorContact: false, repeatContact: false };
const known: ContactContext = { customerId: 'c-1', priorContact: false, repeatContact: false };
const LATER = at(86_400);

/** The contact's sums, all parts together, or one agent's. */
function sums(events: ContactEvent[], ctx: ContactContext = anon, now = LATER, agentId?: string | null): KpiSums {
  const m = measureContact(events, ctx, th, now)!;
  const total = emptySums();
  for (const p of m.parts) if (agentId === undefined || p.agentId === agentId) addSums(total, p.sums);
  return total;
}
const queued = (queue = 'support', s = 0): ContactEvent => ({ type: 'queued', at: at(s), queue });

describe('abandonment', () => {
  it('counts a caller who hangs up before the short-abandon threshold as a short abandon, outside every rate', () => {
    const s = sums([queued(), { type: 'ended', at: at(4.9) }]);
    expect(s).toMatchObject({ offered: 1, abandoned: 0, shortAbandoned: 1, slMeasured: 0 });
    expect(kpisFrom(s)).toMatchObject({ abandonmentRate: null, serviceLevel: null });
  });

  it('counts a caller who hangs up at or after the threshold as abandoned, and as a service-level miss', () => {
    const s = sums([queued(), { type: 'ended', at: at(5) }]);
    expect(s).toMatchObject({ offered: 1, abandoned: 1, shortAbandoned: 0, slMeasured: 1, slAnswered: 0 });
    expect(kpisFrom(s)).toMatchObject({ abandonmentRate: 1, serviceLevel: 0 });
  });

  it('rates abandonment over offered less short abandons', () => {
    const total = emptySums();
    addSums(total, sums([queued(), { type: 'ended', at: at(2) }]));
    addSums(total, sums([queued(), { type: 'ended', at: at(30) }]));
    addSums(total, sums([queued(), { type: 'answered', at: at(10), agentId: 'sara' }, { type: 'ended', at: at(70) }]));
    expect(kpisFrom(total)).toMatchObject({ offered: 3, abandoned: 1, answered: 1, abandonmentRate: 0.5 });
  });
});

describe('speed of answer and service level', () => {
  it('measures ASA from joining the line to the accept, and counts an answer at the threshold as within it', () => {
    const inTime = sums([queued(), { type: 'answered', at: at(20), agentId: 'sara' }]);
    const late = sums([queued(), { type: 'answered', at: at(21), agentId: 'sara' }]);
    expect(inTime).toMatchObject({ answered: 1, asaCount: 1, asaSeconds: 20, slMeasured: 1, slAnswered: 1 });
    expect(late).toMatchObject({ slMeasured: 1, slAnswered: 0 });
    expect(kpisFrom(addSums(inTime, late))).toMatchObject({ asaSeconds: 20.5, serviceLevel: 0.5 });
  });

  it("uses the queue's own threshold", () => {
    expect(sums([queued('vip'), { type: 'answered', at: at(15), agentId: 'sara' }])).toMatchObject({ slAnswered: 0, slMeasured: 1 });
  });

  it('leaves a caller still waiting within the threshold out of the service level, and counts one waiting past it as a miss', () => {
    expect(sums([queued()], anon, at(10))).toMatchObject({ offered: 1, slMeasured: 0 });
    expect(sums([queued()], anon, at(25))).toMatchObject({ offered: 1, slMeasured: 1, slAnswered: 0 });
  });
});

describe('handle time', () => {
  it('is talk + hold + wrap-up: accept to hang-up, then until the agent leaves wrap-up', () => {
    const s = sums([
      queued(),
      { type: 'answered', at: at(10), agentId: 'sara' },
      { type: 'hold', at: at(40) },
      { type: 'unhold', at: at(70) },
      { type: 'ended', at: at(130) },
      { type: 'wrap_up_ended', at: at(160) },
    ]);
    expect(s).toMatchObject({ handled: 1, talkSeconds: 90, holdSeconds: 30, wrapSeconds: 30, handleSeconds: 150 });
    expect(kpisFrom(s).ahtSeconds).toBe(150);
  });

  it('is not counted while the call is still going on', () => {
    expect(sums([queued(), { type: 'answered', at: at(10), agentId: 'sara' }])).toMatchObject({ answered: 1, handled: 0 });
    expect(kpisFrom(sums([queued(), { type: 'answered', at: at(10), agentId: 'sara' }])).ahtSeconds).toBeNull();
  });

  it('splits a transferred call into one leg per agent: the first agent answered it, the second wraps it up', () => {
    const events: ContactEvent[] = [
      queued(),
      { type: 'answered', at: at(10), agentId: 'sara' },
      { type: 'answered', at: at(70), agentId: 'huda' },
      { type: 'ended', at: at(190) },
      { type: 'wrap_up_ended', at: at(200) },
    ];
    expect(sums(events, anon, LATER, 'sara')).toMatchObject({ offered: 1, answered: 1, asaCount: 1, handled: 1, talkSeconds: 60, wrapSeconds: 0 });
    expect(sums(events, anon, LATER, 'huda')).toMatchObject({ offered: 0, answered: 0, handled: 1, talkSeconds: 120, wrapSeconds: 10 });
    // One contact offered and answered once, two handled legs.
    expect(kpisFrom(sums(events))).toMatchObject({ offered: 1, answered: 1, ahtSeconds: 95 });
  });
});

describe('callbacks', () => {
  it('counts a callback as offered and answered when an agent takes it, but not in ASA or the service level', () => {
    const s = sums([
      queued(),
      { type: 'callback_requested', at: at(30) },
      { type: 'answered', at: at(900), agentId: 'sara' },
      { type: 'ended', at: at(1020) },
      { type: 'wrap_up_ended', at: at(1050) },
    ]);
    expect(s).toMatchObject({ offered: 1, answered: 1, asaCount: 0, slMeasured: 0, abandoned: 0, handled: 1, handleSeconds: 150 });
  });

  it('never counts a caller who hung up after asking for a callback as abandoned', () => {
    expect(sums([queued(), { type: 'callback_requested', at: at(30) }, { type: 'ended', at: at(31) }])).toMatchObject({ offered: 1, abandoned: 0, shortAbandoned: 0, slMeasured: 0 });
  });
});

describe('first-contact resolution', () => {
  const handled = (resolved: boolean): ContactEvent[] => [
    queued(),
    { type: 'answered', at: at(10), agentId: 'sara' },
    { type: 'ended', at: at(100) },
    { type: 'wrapup', at: at(110), agentId: 'sara', resolved },
  ];

  it('counts a first contact resolved with no repeat contact on any channel within the window', () => {
    expect(sums(handled(true), known)).toMatchObject({ fcrContacts: 1, fcrResolved: 1 });
    expect(kpisFrom(sums(handled(true), known)).fcr).toBe(1);
  });

  it('counts it unresolved when the agent said so, or when the customer came back within the window', () => {
    expect(sums(handled(false), known)).toMatchObject({ fcrContacts: 1, fcrResolved: 0 });
    expect(sums(handled(true), { ...known, repeatContact: true })).toMatchObject({ fcrContacts: 1, fcrResolved: 0 });
  });

  it('leaves out repeat contacts, unknown callers and calls with no wrap-up: FCR is null when nothing is measured', () => {
    expect(sums(handled(true), { ...known, priorContact: true })).toMatchObject({ fcrContacts: 0 });
    expect(sums(handled(true), anon)).toMatchObject({ fcrContacts: 0 });
    const noWrapUp = sums(handled(true).slice(0, 3), known);
    expect(noWrapUp.fcrContacts).toBe(0);
    expect(kpisFrom(noWrapUp).fcr).toBeNull();
  });
});

describe('surveys', () => {
  it('rates CSAT as the share of 4 and 5, and NPS as promoters minus detractors on -100..100', () => {
    const total = emptySums();
    for (const [csat, nps] of [[5, 10], [4, 9], [3, 7], [1, 0]] as const) {
      addSums(total, sums([queued(), { type: 'answered', at: at(5), agentId: 'sara' }, { type: 'survey', at: at(300), csat, nps }]));
    }
    expect(kpisFrom(total)).toMatchObject({ csat: 0.5, nps: 25 });
  });

  it('ignores answers outside the scales and is null with no answers', () => {
    const s = sums([queued(), { type: 'survey', at: at(300), csat: 9, nps: 11 }]);
    expect(s).toMatchObject({ csatCount: 0, npsCount: 0 });
    expect(kpisFrom(s)).toMatchObject({ csat: null, nps: null });
  });
});

describe('occupancy', () => {
  const bucket = (d: Date) => bucketOf(d, ZONE);

  it('is busy, reserved and wrap-up time over logged-in time, away and offline not counted', () => {
    const changes = [
      { at: at(0), state: 'available' },
      { at: at(60), state: 'reserved' },
      { at: at(70), state: 'busy' },
      { at: at(250), state: 'wrap_up' },
      { at: at(280), state: 'available' },
      { at: at(400), state: 'away' },
      { at: at(600), state: 'available' },
    ];
    const time = agentTime('offline', changes, at(0), at(900), bucket, BUCKET_MS);
    expect([...time.values()]).toEqual([{ staffedSeconds: 700, occupiedSeconds: 220 }]);
  });

  it('splits a stretch across quarter-hours and across midnight in Riyadh', () => {
    // 23:50 to 00:10 in Riyadh (20:50-21:10 UTC): ten minutes on each day.
    const from = new Date('2026-11-29T20:45:00Z');
    const time = agentTime('offline', [{ at: new Date('2026-11-29T20:50:00Z'), state: 'busy' }, { at: new Date('2026-11-29T21:10:00Z'), state: 'offline' }], from, new Date('2026-11-29T21:15:00Z'), bucket, BUCKET_MS);
    expect([...time].map(([b, t]) => [new Date(b).toISOString(), t.occupiedSeconds])).toEqual([
      ['2026-11-29T20:45:00.000Z', 600],
      ['2026-11-29T21:00:00.000Z', 600],
    ]);
    expect(intervalStart(new Date('2026-11-29T20:59:59Z'), '1d', ZONE).toISO()).toBe('2026-11-29T00:00:00.000+03:00');
    expect(intervalStart(new Date('2026-11-29T21:00:00Z'), '1d', ZONE).toISO()).toBe('2026-11-30T00:00:00.000+03:00');
  });

  it('takes the state the agent was in before the range', () => {
    const time = agentTime('busy', [], at(0), at(300), bucket, BUCKET_MS);
    expect([...time.values()]).toEqual([{ staffedSeconds: 300, occupiedSeconds: 300 }]);
    expect(kpisFrom({ ...emptySums(), staffedSeconds: 0 }).occupancy).toBeNull();
  });
});

describe('wrap-up after a call', () => {
  it('runs from the end of the call until the agent leaves wrap-up', () => {
    expect(wrapUpAfter([{ at: at(100), state: 'wrap_up' }, { at: at(130), state: 'available' }], at(100))).toEqual({ endedAt: at(130) });
    expect(wrapUpAfter([{ at: at(100), state: 'wrap_up' }], at(100))).toBe('ongoing');
    // Still on another call: no wrap-up.
    expect(wrapUpAfter([{ at: at(300), state: 'reserved' }], at(100))).toBe('none');
  });
});

describe('intervals', () => {
  it('puts a contact in the interval it joined the line in, even when answered after midnight', () => {
    const m = measureContact([{ type: 'queued', at: new Date('2026-11-29T20:59:50Z'), queue: 'support' }, { type: 'answered', at: new Date('2026-11-29T21:00:20Z'), agentId: 'sara' }], anon, th, LATER)!;
    expect(bucketOf(m.queuedAt, ZONE).toISOString()).toBe('2026-11-29T20:45:00.000Z');
    expect(intervalStart(m.queuedAt, '1d', ZONE).toISODate()).toBe('2026-11-29');
  });
});

describe('quarter-hour buckets', () => {
  it('match luxon on the local clock, in Riyadh and in zones with odd offsets or daylight saving', () => {
    for (const zone of ['Asia/Riyadh', 'Asia/Kathmandu', 'America/New_York', 'Australia/Lord_Howe']) {
      for (let ms = Date.parse('2026-03-07T00:00:00Z'); ms < Date.parse('2026-03-10T00:00:00Z'); ms += 7 * 60_000 + 13_000) {
        expect(bucketOf(new Date(ms), zone).getTime()).toBe(intervalStart(new Date(ms), '15m', zone).toMillis());
      }
    }
  });
});
