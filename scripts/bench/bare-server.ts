/**
 * Child process: the floor. Plain Express 5, the same urlencoded parsing, one POST route
 * answering a fixed TwiML string — no signature, no database, no IVR.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { VOICE_PATH, type ChildReady, type ChildReply, type ParentRequest } from './protocol.js';

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="Polly.Joanna">Welcome.</Say><Hangup/></Response>';

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 200 }));
app.post(VOICE_PATH, (_req, res) => {
  res.type('text/xml').send(TWIML);
});

const server = http.createServer(app);
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

process.on('message', (raw) => {
  const msg = raw as ParentRequest;
  if (msg.type === 'cpu') {
    const u = process.cpuUsage();
    process.send?.({ type: 'cpu', ms: (u.user + u.system) / 1000 } satisfies ChildReply);
    return;
  }
  if (msg.type !== 'shutdown') return;
  server.closeAllConnections();
  server.close(() => {
    process.send?.({ type: 'closed' } satisfies ChildReply);
    process.disconnect();
  });
});

process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port, info: { kind: 'bare express' } } satisfies ChildReady);
