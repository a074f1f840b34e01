import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerMemo } from '../../src/calls/caller-memo.js';
import type { LookupResult } from '../../src/crm/lookup.js';
import { exampleKnownNames } from '../../src/routing/rules/index.js';
import { createTestApp, newCallSid, postTwilio, type TestApp } from '../helpers/test-app.js';

const found: LookupResult = { status: 'found', openComplaint: false, customer: { id: 'c1', name: 'Noura', phones: ['+966501234567'], language: 'ar', tier: 'gold', updatedAt: new Date().toISOString() } as never };

describe('the caller memo', () => {
  it('remembers who called for the rest of the call, but not a lookup that degraded', () => {
    const memo = createCallerMemo();
    memo.remember('call-1', found);
    memo.remember('call-2', { status: 'degraded', reason: 'timeout' });
    memo.remember('call-3', { status: 'unknown' });
    expect(memo.get('call-1')).toBe(found);
    expect(memo.get('call-2')).toBeUndefined();
    expect(memo.get('call-3')).toEqual({ status: 'unknown' });
  });

  it('stays bounded: the oldest calls are forgotten first', () => {
    const memo = createCallerMemo({ max: 2 });
    memo.remember('a', found);
    memo.remember('b', found);
    memo.remember('c', found);
    expect(memo.get('a')).toBeUndefined();
    expect(memo.get('c')).toBe(found);
  });
});

describe('a call through the IVR', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    for (const q of exampleKnownNames.queues) await t.services.rules.addQueue(q, {});
    await t.services.rules.publish({ rules: [{ name: 'silver', when: 'customer.tier == "silver"', queue: 'priority' }], default: { queue: 'general' } }, { by: 'admin' });
    await t.services.customers.upsert({ id: 'c-omar', name: 'Omar Haddad', phones: ['+966551112233'], language: 'en', tier: 'silver' });
  });
  afterAll(() => t.close());

  it('routes on the caller as the CRM knew them when the call started, without asking again at each step', async () => {
    const p = { CallSid: newCallSid(), From: '+966551112233', To: '+966920000000' };
    const greeted = await postTwilio(t.app, '/webhooks/twilio/voice', p);
    expect(greeted.text).toContain('Omar');
    // The CRM record changes (or the CRM goes away) while Omar listens to the menu.
    await t.db.prisma.customerPhone.deleteMany({ where: { customerId: 'c-omar' } });
    const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' });
    expect(queued.text).toMatch(/<Enqueue[^>]*>priority<\/Enqueue>/);
  });
});
