import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { startHeartbeat } from '../../src/realtime/heartbeat.js';

function fakeSocket() {
  const ws = Object.assign(new EventEmitter(), { ping: vi.fn(), terminate: vi.fn() });
  return ws as unknown as WebSocket & { ping: ReturnType<typeof vi.fn>; terminate: ReturnType<typeof vi.fn> };
}

afterEach(() => vi.useRealTimers());

describe('the socket heartbeat', () => {
  it('pings every socket and terminates one that did not answer the last ping', async () => {
    vi.useFakeTimers();
    const answering = fakeSocket();
    const silent = fakeSocket();
    const beat = startHeartbeat(() => [answering, silent], 1000);
    beat.track(answering);
    beat.track(silent);
    answering.ping.mockImplementation(() => answering.emit('pong'));

    vi.advanceTimersByTime(1000);
    expect(answering.ping).toHaveBeenCalledTimes(1);
    expect(silent.ping).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(silent.terminate).toHaveBeenCalledTimes(1);
    expect(answering.terminate).not.toHaveBeenCalled();
    beat.stop();
    vi.advanceTimersByTime(5000);
    expect(answering.ping).toHaveBeenCalledTimes(2);
  });
});
