/**
 * Child process of `npm run bench:screenpop`: the transport floor. A bare `ws` server (same
 * library and defaults as the hub: no compression) with no auth, no database, no routing.
 * On request it sends, `rate` times a second for `durationS`, one JSON message of about
 * `bytes` bytes to the next connected client in turn, stamped with hrWall() right before
 * JSON.stringify + ws.send — as the hub does for a pop.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { hrWall, type SpChildReply, type SpParentRequest } from './screenpop-protocol.js';

const send = (msg: SpChildReply) => process.send?.(msg);
const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, maxPayload: 64 * 1024 });
const clients: WebSocket[] = [];
wss.on('connection', (ws) => {
  clients.push(ws);
  ws.on('close', () => clients.splice(clients.indexOf(ws), 1));
  ws.on('message', () => {}); // acks from the clients, like the hub receives them
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

async function run(rate: number, durationS: number, bytes: number): Promise<number> {
  const total = Math.round(rate * durationS);
  const interval = 1000 / rate;
  const start = performance.now();
  const pad = 'x'.repeat(Math.max(0, bytes - 120));
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const ws = clients[k % clients.length];
    if (!ws || ws.readyState !== ws.OPEN) continue;
    ws.send(JSON.stringify({ type: 'echo', id: `e-${k}`, seq: k, sentAt: hrWall(), pad }));
  }
  return total;
}

process.on('message', (raw) => {
  const msg = raw as SpParentRequest;
  void (async () => {
    if (msg.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', ms: (u.user + u.system) / 1000 });
    } else if (msg.type === 'echo') {
      const sent = await run(msg.rate, msg.durationS, msg.bytes);
      send({ type: 'echoed', sent, clients: clients.length });
    } else if (msg.type === 'shutdown') {
      for (const ws of clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      send({ type: 'closed' });
      process.disconnect();
    }
  })();
});

send({ type: 'ready', port: (server.address() as AddressInfo).port, info: { kind: 'bare ws' } });
