import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { CustomerRepo } from '../../src/crm/customer-repo.js';
import { createCallerLookup } from '../../src/crm/lookup.js';
import type { Customer } from '../../src/crm/schemas.js';
import type { InteractionRepo, StoredInteraction } from '../../src/timeline/interaction-repo.js';

const PHONE = '+966501234567';
const customer: Customer = { id: 'c1', name: 'Sara', phones: [PHONE], language: 'ar', tier: 'gold', updatedAt: '2026-01-01T00:00:00.000Z' };
const silent = pino({ level: 'silent' });

function customersReturning(find: CustomerRepo['findByPhone']): CustomerRepo {
  return { findByPhone: find, get: async () => undefined, upsert: async () => Promise.reject(new Error('not used')) };
}

function interactionsWithLatest(latest: StoredInteraction | undefined): InteractionRepo {
  return {
    record: async () => Promise.reject(new Error('not used')),
    page: async () => ({ items: [], nextCursor: null }),
    latest: async () => latest,
  };
}

function interaction(over: Partial<StoredInteraction>): StoredInteraction {
  return {
    id: 'i1',
    customerId: 'c1',
    idempotencyKey: 'k1',
    channel: 'whatsapp',
    type: 'complaint',
    status: 'open',
    at: '2026-01-02T00:00:00.000Z',
    summary: 'Bill too high',
    sentiment: 'negative',
    ...over,
  };
}

describe('caller lookup', () => {
  it('goes on degraded when the CRM never answers', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(() => new Promise<Customer | undefined>(() => {})),
      interactions: interactionsWithLatest(undefined),
      budgetMs: 50,
      logger: silent,
    });
    const result = await lookup.lookup(PHONE);
    expect(result.status).toBe('degraded');
  });

  it('goes on degraded when the CRM answers only after 2 s', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(() => new Promise((resolve) => setTimeout(() => resolve(customer), 2000).unref())),
      interactions: interactionsWithLatest(undefined),
      budgetMs: 50,
      logger: silent,
    });
    const result = await lookup.lookup(PHONE);
    expect(result.status).toBe('degraded');
  });

  it('goes on degraded when the CRM throws', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(async () => {
        throw new Error('connection refused');
      }),
      interactions: interactionsWithLatest(undefined),
      budgetMs: 50,
      logger: silent,
    });
    expect((await lookup.lookup(PHONE)).status).toBe('degraded');
  });

  it('treats a withheld number as unknown without asking the CRM', async () => {
    const find = vi.fn(async () => customer);
    const lookup = createCallerLookup({ customers: customersReturning(find), interactions: interactionsWithLatest(undefined), budgetMs: 50, logger: silent });
    expect(await lookup.lookup(undefined)).toEqual({ status: 'unknown' });
    expect(find).not.toHaveBeenCalled();
  });

  it('reports an unknown number as unknown', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(async () => undefined),
      interactions: interactionsWithLatest(undefined),
      budgetMs: 500,
      logger: silent,
    });
    expect(await lookup.lookup(PHONE)).toEqual({ status: 'unknown' });
  });

  it('flags an open complaint when it was the last interaction', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(async () => customer),
      interactions: interactionsWithLatest(interaction({ type: 'complaint', status: 'open' })),
      budgetMs: 500,
      logger: silent,
    });
    expect(await lookup.lookup(PHONE)).toEqual({ status: 'found', customer, openComplaint: true });
  });

  it('does not flag a complaint that was resolved', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(async () => customer),
      interactions: interactionsWithLatest(interaction({ type: 'complaint', status: 'resolved' })),
      budgetMs: 500,
      logger: silent,
    });
    expect(await lookup.lookup(PHONE)).toEqual({ status: 'found', customer, openComplaint: false });
  });

  it('does not flag a customer whose last interaction was not a complaint', async () => {
    const lookup = createCallerLookup({
      customers: customersReturning(async () => customer),
      interactions: interactionsWithLatest(interaction({ type: 'message', status: null })),
      budgetMs: 500,
      logger: silent,
    });
    expect(await lookup.lookup(PHONE)).toMatchObject({ status: 'found', openComplaint: false });
  });
});
