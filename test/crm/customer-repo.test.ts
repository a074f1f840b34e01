import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperienceService } from '../../src/analytics/experience/experience-service.js';
import { createExperienceStore } from '../../src/analytics/experience/experience-store.js';
import { createCustomerRepo } from '../../src/crm/customer-repo.js';
import { createInteractionRepo } from '../../src/timeline/interaction-repo.js';
import { createTestDatabase } from '../helpers/test-db.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const NOW = new Date('2026-11-29T07:00:00Z');
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe("the caller lookup's one statement", () => {
  it("brings the customer, their newest interactions and their stored experience score (null until one is computed)", async () => {
    const customers = createCustomerRepo(db.prisma);
    await customers.upsert({ id: 'c-lama', name: 'Lama', phones: ['+966501230001'], language: 'ar', tier: 'gold' });
    await createInteractionRepo(db.prisma).record({ idempotencyKey: 'lama-1', customerId: 'c-lama', phoneE164: null, channel: 'email', type: 'complaint', status: 'open', at: new Date(NOW.getTime() - 86_400_000), summary: 'Router never arrived' });

    const before = await customers.findCaller!('+966501230001');
    expect(before).toMatchObject({ customer: { id: 'c-lama' }, openComplaint: true, experience: null });
    expect(before?.recent?.map((r) => r.summary)).toEqual(['Router never arrived']);

    const experience = createExperienceService({ store: createExperienceStore(db.prisma), now: () => NOW, logger: pino({ level: 'silent' }) });
    const computed = await experience.current('c-lama');
    const after = await customers.findCaller!('+966501230001');
    expect(after?.experience).toEqual(computed);
    expect(after?.experience).toMatchObject({ openComplaints: 1 });
    expect(await customers.findCaller!('+966509999999')).toBeUndefined();
  });
});
