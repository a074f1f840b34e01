import { beforeAll, describe, expect, it } from 'vitest';

// The softphone runs offer countdowns on the server's clock, learnt from the `at` of the
// messages it receives. A laptop whose clock runs ahead of the server's must still see a
// fresh offer as open. The page's own modules run here, with a stand-in sessionStorage.

const store = new Map<string, string>();
beforeAll(() => {
  Object.assign(globalThis, {
    sessionStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  });
});

describe('the softphone’s server clock', () => {
  it('knows no offset before the first message, then follows the server even when the laptop is ahead', async () => {
    // @ts-expect-error plain ES module of the page, no types
    const { session } = await import('../../public/agent/session.js');
    // @ts-expect-error plain ES module of the page, no types
    const { clock } = await import('../../public/agent/format.js');
    expect(session.clockOffset('sara')).toBeUndefined();

    clock.offset = session.clockOffset('sara');
    // The server says it is two minutes earlier than the laptop thinks.
    const serverNow = Date.now() - 120_000;
    clock.observe(new Date(serverNow).toISOString());
    expect(Math.abs(clock.now() - serverNow)).toBeLessThan(1000);
    // An offer that expires in 15 s on the server's clock has ~15 s left, not "expired".
    const left = serverNow + 15_000 - clock.now();
    expect(left).toBeGreaterThan(14_000);

    session.setClockOffset('sara', clock.offset);
    expect(session.clockOffset('sara')).toBe(Math.round(clock.offset));
  });
});
