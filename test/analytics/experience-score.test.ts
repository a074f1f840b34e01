/**
 * The experience score: surveys, the sentiment trend, repeat contacts and open complaints
 * each move it the way a supervisor would expect, and it is kept current as events arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { computeExperience, EXPERIENCE, type InteractionFact, type SurveyFact } from '../../src/analytics/experience/experience-formula.js';
import { createExperienceService } from '../../src/analytics/experience/experience-service.js';
import { createExperienceStore } from '../../src/analytics/experience/experience-store.js';
import { createTestDatabase } from '../helpers/test-db.js';

const NOW = new Date('2026-11-29T07:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const survey = (csat: number | null, nps: number | null, d = 1): SurveyFact => ({ csat, nps, answeredAt: daysAgo(d) });
const contact = (d: number, sentimentScore: number | null = null, type = 'call'): InteractionFact => ({ type, at: daysAgo(d), sentimentScore });
const score = (f: { surveys?: SurveyFact[]; interactions?: InteractionFact[]; openComplaints?: number }) =>
  computeExperience({ surveys: f.surveys ?? [], interactions: f.interactions ?? [], openComplaints: f.openComplaints ?? 0 });

describe('computeExperience', () => {
  it('is the neutral 70 for a customer we know nothing about', () => {
    expect(score({})).toEqual({ score: 70, csat: null, nps: null, fcr: null, openComplaints: 0, surveys: 0, contacts: 0, repeatContacts: 0, parts: { survey: null, sentiment: null, fcr: null } });
  });

  it('is 100 for top surveys alone and 0 for the worst', () => {
    expect(score({ surveys: [survey(5, 10)] }).score).toBe(100);
    expect(score({ surveys: [survey(1, 0)] }).score).toBe(0);
    expect(score({ surveys: [survey(3, null)] })).toMatchObject({ score: 50, csat: 3, nps: null });
  });

  it('counts the last five surveys only, and reports their mean CSAT and NPS', () => {
    const old = [survey(1, 0, 40), survey(1, 0, 41)];
    const recent = [survey(5, 9, 1), survey(4, 8, 2), survey(5, 10, 3), survey(4, 9, 4), survey(5, 9, 5)];
    const e = score({ surveys: [...old, ...recent] });
    expect(e).toMatchObject({ surveys: 5, csat: 4.6, nps: 9 });
    expect(e.score).toBeGreaterThan(85);
  });

  it('weights the newest sentiment most: a falling trend scores below a rising one with the same moods', () => {
    const moods = [0.8, 0.6, 0.2, -0.2, -0.6, -0.8];
    const falling = score({ interactions: moods.map((m, i) => contact(60 - i * 10, m, 'message')) });
    const rising = score({ interactions: [...moods].reverse().map((m, i) => contact(60 - i * 10, m, 'message')) });
    expect(falling.parts.sentiment!).toBeLessThan(50);
    expect(rising.parts.sentiment!).toBeGreaterThan(50);
    expect(falling.score).toBeLessThan(rising.score);
  });

  it('counts a contact followed by another within 7 days as a repeat contact (any channel)', () => {
    const e = score({ interactions: [contact(30), contact(27, null, 'message'), contact(10), contact(2)] });
    expect(e).toMatchObject({ contacts: 4, repeatContacts: 1, fcr: 0.75, score: 75 });
  });

  it('does not count consents, surveys and follow-ups as contacts', () => {
    const e = score({ interactions: [contact(5), contact(4, null, 'consent'), contact(4, null, 'survey'), contact(4, null, 'follow_up')] });
    expect(e).toMatchObject({ contacts: 1, repeatContacts: 0, fcr: 1 });
  });

  it('takes 15 points per open complaint, 45 at most', () => {
    expect(score({ openComplaints: 1 }).score).toBe(55);
    expect(score({ openComplaints: 2 }).score).toBe(40);
    expect(score({ openComplaints: 5 }).score).toBe(70 - EXPERIENCE.maxComplaintPenalty);
    expect(score({ surveys: [survey(1, 2)], openComplaints: 3 }).score).toBe(0);
  });

  it('weights the parts it has data for: surveys 0.5, sentiment 0.3, first-contact resolution 0.2', () => {
    const e = score({ surveys: [survey(5, 10)], interactions: [contact(1, -1, 'message'), contact(3)] });
    // survey 100, sentiment 0 (the one scored entry), fcr 50 (the message repeats the call within 7 days).
    expect(e.parts).toEqual({ survey: 100, sentiment: 0, fcr: 50 });
    expect(e.score).toBe(60);
  });
});

describe('the experience service', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.customer.create({ data: { id: 'c-sami', name: 'Sami' } });
  });
  afterAll(() => db.drop());

  const service = () => createExperienceService({ store: createExperienceStore(db.prisma), now: () => NOW, logger: pino({ level: 'silent' }) });

  it('computes and stores a score on first read, then serves the stored one', async () => {
    const s = service();
    expect(await s.score('c-sami')).toBeUndefined();
    expect(await s.current('c-sami')).toEqual({ score: 70, csat: null, nps: null, fcr: null, openComplaints: 0 });
    expect(await s.score('c-sami')).toBe(70);
  });

  it('answers a caller with no timeline (a first call) from the formula alone, without reading facts or storing a score', async () => {
    await db.prisma.customer.create({ data: { id: 'c-new', name: 'New' } });
    const store = createExperienceStore(db.prisma);
    let factReads = 0;
    const counted = { ...store, facts: (...args: Parameters<typeof store.facts>) => (factReads++, store.facts(...args)) };
    const s = createExperienceService({ store: counted, now: () => NOW, logger: pino({ level: 'silent' }) });
    expect(await s.current('c-new', { noHistory: true })).toEqual({ score: 70, csat: null, nps: null, fcr: null, openComplaints: 0 });
    expect(factReads).toBe(0);
    expect(await s.score('c-new')).toBeUndefined();
  });

  it('recomputes when told an event arrived: an open complaint and a bad survey lower the stored score', async () => {
    const s = service();
    await db.prisma.interaction.create({ data: { idempotencyKey: 'k1', customerId: 'c-sami', channel: 'email', type: 'complaint', status: 'open', at: daysAgo(2), summary: 'Late refund', sentimentScore: -0.6 } });
    await db.prisma.surveyResponse.create({ data: { callId: 'call-1', customerId: 'c-sami', queue: 'billing', agentId: 'sara', csat: 1, nps: 2, language: 'ar', answeredAt: daysAgo(1) } });
    s.refresh('c-sami');
    s.refresh('c-sami');
    await s.idle();
    const stored = await db.prisma.customerExperience.findUniqueOrThrow({ where: { customerId: 'c-sami' } });
    expect(stored).toMatchObject({ csat: 1, nps: 2, openComplaints: 1, surveys: 1, contacts: 1, computedAt: NOW });
    expect(stored.score).toBeLessThan(20);
    expect(await s.current('c-sami')).toMatchObject({ score: stored.score, csat: 1, nps: 2, fcr: 1, openComplaints: 1 });
  });
});
