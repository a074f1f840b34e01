import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The softphone's side of a drain: a node closing its sockets with 1012 (service restart)
// has another node ready behind the load balancer, so the page reconnects soon, even after
// a run of failed attempts that had pushed its backoff to 5–10 s. The page's connection
// module runs here against a stand-in WebSocket, with Vitest's clock.

class FakeSocket {
  static readonly OPEN = 1;
  static created: FakeSocket[] = [];
  readyState = 0;
  onopen?: () => void;
  onclose?: (ev: { code: number }) => void | Promise<void>;
  onmessage?: (ev: { data: string }) => void;
  sent: string[] = [];
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.created.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {}
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  async drop(code: number) {
    this.readyState = 3;
    await this.onclose?.({ code });
  }
}

const latest = () => FakeSocket.created[FakeSocket.created.length - 1]!;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.created = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { origin: 'https://cc.example.test' });
  vi.stubGlobal('window', { addEventListener: () => {}, removeEventListener: () => {} });
  // The server is down while the page retries: the token check cannot say it was refused.
  vi.stubGlobal('fetch', () => Promise.reject(new Error('connection refused')));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the softphone told 1012 (service restart)', () => {
  it('reconnects within about a second, even after failed attempts had grown its backoff', async () => {
    // @ts-expect-error plain browser JavaScript, checked by its JSDoc
    const { createConnection } = await import('../../public/agent/connection.js');
    const states: Array<[string, number | undefined]> = [];
    const conn = createConnection({ token: 'h.e.s', agent: 'agent-sara', onMessage: () => {}, onState: (s: string, ms?: number) => states.push([s, ms]), onAuthFailure: () => {} });

    // Five refused connections in a row (the backoff is now up to 10 s)…
    for (let i = 0; i < 5; i++) {
      await latest().drop(1006);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    expect(FakeSocket.created).toHaveLength(6);
    // …then one that opens on a node that is starting to drain and is closed with 1012.
    latest().open();
    await latest().drop(1012);
    await vi.advanceTimersByTimeAsync(1500);
    expect(FakeSocket.created).toHaveLength(7);
    expect(states.at(-2)?.[0]).toBe('reconnecting');

    // After a greeting, the same: one restart, one prompt reconnect.
    latest().open();
    latest().onmessage?.({ data: JSON.stringify({ type: 'hello', agent: { id: 'agent-sara' }, lastSeq: 0 }) });
    await latest().drop(1012);
    await vi.advanceTimersByTimeAsync(1500);
    expect(FakeSocket.created).toHaveLength(8);
    conn.close();
  });
});
