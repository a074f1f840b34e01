import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * How the proxy treats traffic:
 * - `pass`: forwards both ways as fast as it can.
 * - `drop`: resets every open connection and resets each new one as soon as it is accepted
 *   (the client sees ECONNRESET), like a server or a network path that went away.
 * - `hang`: connections are accepted and stay open, but nothing is forwarded in either
 *   direction (reads are paused, so bytes wait in the kernel's buffers); `pass` again lets
 *   them through, like a network stall that clears. The service behind sees no new query.
 * - `{ slowMs }`: every chunk is forwarded `slowMs` after it arrived, in order (latency,
 *   not bandwidth).
 */
export type ProxyMode = 'pass' | 'drop' | 'hang' | { slowMs: number };

export interface TcpProxy {
  host: string;
  port: number;
  /** The current mode. */
  readonly mode: ProxyMode;
  pass(): void;
  drop(): void;
  hang(): void;
  slow(ms: number): void;
  /** Connections from clients currently open through the proxy. */
  connections(): number;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * A TCP proxy for fault-injection tests: point a client (ioredis, pg, anything) at
 * `host:port` instead of the real service, then cut, stall or slow the link without
 * touching the service itself, which other tests keep using.
 *
 *   const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
 *   const redisUrl = `redis://${proxy.host}:${proxy.port}`;
 *   proxy.drop(); ... proxy.pass();
 *
 * A mode applies to open connections and to new ones alike.
 */
export async function startTcpProxy(target: { host: string; port: number }, opts: { port?: number } = {}): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<Pair>();

  const reset = (s: net.Socket) => {
    if (!s.destroyed) s.resetAndDestroy();
  };
  const pause = (p: Pair) => {
    p.client.pause();
    p.upstream.pause();
  };
  const resume = (p: Pair) => {
    p.client.resume();
    p.upstream.resume();
  };

  /** One direction of a connection; slow mode keeps the order of chunks by scheduling each at arrival + delay. */
  function forward(from: net.Socket, to: net.Socket): void {
    let lastDue = 0;
    from.on('data', (chunk: Buffer) => {
      if (typeof mode === 'object') {
        const due = Math.max(Date.now() + mode.slowMs, lastDue);
        lastDue = due;
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
        }, due - Date.now());
        return;
      }
      if (!to.write(chunk)) {
        // Backpressure: stop reading until the other side drains (unless a hang began meanwhile).
        from.pause();
        to.once('drain', () => {
          if (mode !== 'hang') from.resume();
        });
      }
    });
    // A half-close travels on; an error on one side resets the other (and 'close' forgets the pair).
    from.on('end', () => {
      if (!to.destroyed) to.end();
    });
    from.on('error', () => reset(to));
  }

  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (mode === 'drop') {
      reset(client);
      return;
    }
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      reset(client);
      reset(upstream);
    };
    client.once('close', forget);
    upstream.once('close', forget);
    forward(client, upstream);
    forward(upstream, client);
    if (mode === 'hang') pause(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;

  return {
    host: address,
    port,
    get mode() {
      return mode;
    },
    pass() {
      mode = 'pass';
      for (const p of pairs) resume(p);
    },
    drop() {
      mode = 'drop';
      for (const p of [...pairs]) {
        reset(p.client);
        reset(p.upstream);
      }
      pairs.clear();
    },
    hang() {
      mode = 'hang';
      for (const p of pairs) pause(p);
    },
    slow(ms) {
      mode = { slowMs: ms };
      for (const p of pairs) resume(p);
    },
    connections: () => pairs.size,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of [...pairs]) {
        reset(p.client);
        reset(p.upstream);
      }
      pairs.clear();
      await closed;
    },
  };
}
