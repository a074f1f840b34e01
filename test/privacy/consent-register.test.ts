import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerRepo } from '../../src/crm/customer-repo.js';
import { createConsentRegister } from '../../src/privacy/consent-register.js';
import { createConsentStore } from '../../src/privacy/consent-store.js';
import { createInteractionRepo } from '../../src/timeline/interaction-repo.js';
import { createTestDatabase } from '../helpers/test-db.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  db = await createTestDatabase();
  const customers = createCustomerRepo(db.prisma);
  for (const id of ['p-atomic', 'p-race', 'p-allows']) await customers.upsert({ id, name: id, phones: [], language: 'en', tier: 'standard' });
});
afterAll(async () => {
  await db?.drop();
});

const now = () => new Date('2026-11-29T07:00:00Z');
const register = (timelineIn = createInteractionRepo) => createConsentRegister({ consents: createConsentStore(db.prisma), timelineIn, now });
const change = { purpose: 'call_recording' as const, granted: true, channel: 'ivr' as const, textVersion: 'v1', by: 'ivr' };

describe('consent register', () => {
  it('keeps no register row when its timeline entry cannot be written', async () => {
    const failing = register(() => ({
      record: () => Promise.reject(new Error('timeline down')),
      page: () => Promise.reject(new Error('unused')),
      latest: () => Promise.reject(new Error('unused')),
    }));
    await expect(failing.recordConsent({ ...change, customerId: 'p-atomic' })).rejects.toThrow('timeline down');
    expect(await db.prisma.consent.count({ where: { customerId: 'p-atomic' } })).toBe(0);
    expect(await register().allows('p-atomic', 'call_recording')).toBe(false);
  });

  it('stores one row and one timeline entry when the same answer arrives twice at once', async () => {
    const r = register();
    const results = await Promise.all([r.recordConsent({ ...change, customerId: 'p-race' }), r.recordConsent({ ...change, customerId: 'p-race' })]);
    expect(results.map((x) => x.changed).sort()).toEqual([false, true]);
    expect(await db.prisma.consent.count({ where: { customerId: 'p-race' } })).toBe(1);
    expect(await db.prisma.interaction.count({ where: { customerId: 'p-race', type: 'consent' } })).toBe(1);
  });

  it('allows a purpose only while its latest answer is a grant', async () => {
    const r = register();
    expect(await r.allows('p-allows', 'survey')).toBe(false);
    await r.recordConsent({ ...change, purpose: 'survey', customerId: 'p-allows' });
    expect(await r.allows('p-allows', 'survey')).toBe(true);
    expect(await r.allows('p-allows', 'marketing')).toBe(false);
    await r.recordConsent({ ...change, purpose: 'survey', granted: false, customerId: 'p-allows' });
    expect(await r.allows('p-allows', 'survey')).toBe(false);
  });
});
