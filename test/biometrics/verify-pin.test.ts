import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomerRepo } from '../../src/crm/customer-repo.js';
import { hashPin, pinMatches, type PinKdfParams } from '../../src/biometrics/pin-kdf.js';
import { createPinStore } from '../../src/biometrics/pin-store.js';
import { createSetPin } from '../../src/biometrics/set-pin.js';
import { createVerifyPin } from '../../src/biometrics/verify-pin.js';
import { createTestDatabase } from '../helpers/test-db.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const clock = { now: new Date('2026-11-29T07:00:00Z') };
const now = () => clock.now;
beforeAll(async () => {
  db = await createTestDatabase();
  const customers = createCustomerRepo(db.prisma);
  for (const id of ['v-right', 'v-lock', 'v-policy', 'v-reset', 'v-race', 'v-params', 'v-none']) await customers.upsert({ id, name: id, phones: [], language: 'ar', tier: 'standard' });
});
afterAll(async () => {
  await db?.drop();
});

const pins = () => createPinStore(db.prisma);
const setPin = (id: string, pin: string) => createSetPin({ pins: pins(), now })(id, pin);
const verify = (policy?: Parameters<typeof createVerifyPin>[0]['policy']) => createVerifyPin({ pins: pins(), now, policy });
const minutes = (n: number) => new Date(clock.now.getTime() + n * 60_000);

describe('verifyPin', () => {
  it('verifies the right digits and fails wrong ones', async () => {
    await setPin('v-right', '4821');
    expect(await verify()('v-right', '4821')).toBe('verified');
    expect(await verify()('v-right', '4822')).toBe('failed');
    expect(await verify()('v-right', '48210')).toBe('failed');
    expect(await verify()('v-right', '4821')).toBe('verified');
  });

  it('answers not_set for a customer without a PIN and for an unknown customer', async () => {
    expect(await verify()('v-none', '1234')).toBe('not_set');
    expect(await verify()('nobody', '1234')).toBe('not_set');
  });

  it('locks after three failures, refuses even the right PIN while locked, and lets the caller try again after 15 minutes', async () => {
    clock.now = new Date('2026-11-29T08:00:00Z');
    await setPin('v-lock', '739104');
    expect(await verify()('v-lock', '000000')).toBe('failed');
    expect(await verify()('v-lock', '111111')).toBe('failed');
    expect(await verify()('v-lock', '222222')).toBe('locked');
    expect(await db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'v-lock' } })).toMatchObject({ failedAttempts: 3, lockedUntil: new Date('2026-11-29T08:15:00Z') });
    expect(await verify()('v-lock', '739104')).toBe('locked');
    clock.now = new Date('2026-11-29T08:14:59Z');
    expect(await verify()('v-lock', '739104')).toBe('locked');
    clock.now = new Date('2026-11-29T08:15:00Z');
    // A fresh set of attempts once the lock-out is over: one wrong guess does not re-lock.
    expect(await verify()('v-lock', '333333')).toBe('failed');
    expect(await verify()('v-lock', '739104')).toBe('verified');
  });

  it('honours a configured attempt limit and lock time', async () => {
    clock.now = new Date('2026-11-29T09:00:00Z');
    await setPin('v-policy', '5555');
    const strict = verify({ maxAttempts: 1, lockMs: 60_000 });
    expect(await strict('v-policy', '1111')).toBe('locked');
    clock.now = minutes(1);
    expect(await strict('v-policy', '5555')).toBe('verified');
  });

  it('starts the count again after a success, and setting a new PIN lifts a lock-out', async () => {
    clock.now = new Date('2026-11-29T10:00:00Z');
    await setPin('v-reset', '1234');
    expect(await verify()('v-reset', '0000')).toBe('failed');
    expect(await verify()('v-reset', '0001')).toBe('failed');
    expect(await verify()('v-reset', '1234')).toBe('verified');
    expect(await verify()('v-reset', '0002')).toBe('failed');
    expect(await verify()('v-reset', '0003')).toBe('failed');
    expect(await verify()('v-reset', '0004')).toBe('locked');
    await setPin('v-reset', '9876');
    expect(await verify()('v-reset', '9876')).toBe('verified');
  });

  it('counts every one of many guesses sent at once, so no burst gets past the limit', async () => {
    clock.now = new Date('2026-11-29T11:00:00Z');
    await setPin('v-race', '2468');
    const guesses = ['0000', '1111', '2222', '3333', '4444', '5555'];
    const verdicts = await Promise.all(guesses.map((g) => verify()('v-race', g)));
    expect(verdicts.filter((v) => v === 'failed')).toHaveLength(2);
    expect(verdicts.filter((v) => v === 'locked')).toHaveLength(4);
    expect(await verify()('v-race', '2468')).toBe('locked');
  });
});

describe('the stored PIN', () => {
  it('keeps only a salted hash with its KDF parameters, different for the same PIN twice', async () => {
    await setPin('v-params', '482913');
    const first = await db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'v-params' } });
    await setPin('v-params', '482913');
    const second = await db.prisma.customerPin.findUniqueOrThrow({ where: { customerId: 'v-params' } });
    expect(JSON.stringify(first)).not.toContain('482913');
    expect(first.params).toEqual({ algorithm: 'scrypt', N: 32768, r: 8, p: 1, keylen: 32 });
    expect(first.salt).not.toBe(second.salt);
    expect(first.hash).not.toBe(second.hash);
  });

  it('still verifies a PIN hashed under other parameters after the default is raised', async () => {
    const older: PinKdfParams = { algorithm: 'scrypt', N: 1024, r: 8, p: 1, keylen: 32 };
    const stored = await hashPin('1357', older);
    expect(stored.params).toEqual(older);
    expect(await pinMatches('1357', stored)).toBe(true);
    expect(await pinMatches('1358', stored)).toBe(false);
  });
});
