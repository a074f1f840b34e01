import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { WebSocketServer, type WebSocket } from 'ws';

/** A message the SDK sent (PStream: `{ type, version, payload }`). */
export interface SignallingMessage {
  type: string;
  version?: string;
  payload: Record<string, any>;
}

/**
 * A local stand-in for Twilio's Voice signalling gateway (wss://voice-js.<edge>.twilio.com/signal),
 * playing the PStream protocol the Voice SDK speaks: the SDK's `listen` (its access token) is
 * checked as Twilio would (signed with the API key's secret, issued by the key, for the account,
 * not expired, a voice grant that may receive calls) and answered `connected` with the token's
 * identity and remaining life, or an `error` 31204; `register` is answered `ready` (the Device
 * is registered); heartbeats (`\n`) go out every 5 s as Twilio's do and are echoed by the SDK.
 * `invite` rings the Device with an SDP offer and the call's parameters (custom ones in `Params`,
 * URL-encoded, as Twilio passes a <Client>'s <Parameter>s); the SDK's `answer`, `hangup` and
 * `reject` are recorded. TLS with a throwaway self-signed certificate (the SDK only speaks
 * wss://): Chromium is told to trust exactly its key (`chromiumArgs`).
 */
export async function startFakeTwilioSignalling(opts: { accountSid: string; apiKey: string; apiSecret: string; ttlSeconds?: (listen: number) => number | undefined }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fake-signalling-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(certFile);
  const key = readFileSync(keyFile);
  rmSync(dir, { recursive: true, force: true });
  const spki = createHash('sha256')
    .update(new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');

  const received: SignallingMessage[] = [];
  const waiters: Array<{ match: (m: SignallingMessage) => boolean; resolve: (m: SignallingMessage) => void }> = [];
  let socket: WebSocket | undefined;
  let listens = 0;

  const send = (ws: WebSocket, type: string, payload: Record<string, unknown>) => ws.send(JSON.stringify({ type, version: '1.6', payload }));

  /** What Twilio checks of the token a `listen` carries; an error message, or the token's claims. */
  function check(token: unknown): { error: string } | { identity: string; exp: number } {
    try {
      const claims = jwt.verify(String(token), opts.apiSecret, { algorithms: ['HS256'], issuer: opts.apiKey, subject: opts.accountSid }) as jwt.JwtPayload;
      if (typeof claims.grants?.identity !== 'string' || claims.grants?.voice?.incoming?.allow !== true) return { error: 'no voice grant to receive calls' };
      return { identity: claims.grants.identity, exp: claims.exp! };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  const server = https.createServer({ cert, key });
  const wss = new WebSocketServer({ server, path: '/signal' });
  wss.on('connection', (ws) => {
    socket = ws;
    const heartbeat = setInterval(() => ws.send('\n'), 5000);
    ws.on('close', () => clearInterval(heartbeat));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text === '\n') return;
      const message = JSON.parse(text) as SignallingMessage;
      received.push(message);
      for (const w of waiters.filter((x) => x.match(message))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
      if (message.type === 'listen') {
        listens += 1;
        const checked = check(message.payload.token);
        if ('error' in checked) {
          send(ws, 'error', { error: { code: 31204, message: `JWT token is invalid: ${checked.error}` } });
          return;
        }
        const ttl = opts.ttlSeconds?.(listens) ?? checked.exp - Math.floor(Date.now() / 1000);
        send(ws, 'connected', { region: 'gll', edge: 'roaming', home: '', token: { identity: checked.identity, ttl } });
      } else if (message.type === 'register') {
        send(ws, 'ready', {});
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    /** What the app's TWILIO_VOICE_SIGNALLING_HOST test hook is set to. */
    host: `127.0.0.1:${port}`,
    /** Chromium trusts this certificate's key and nothing else it would not trust anyway. */
    chromiumArgs: [`--ignore-certificate-errors-spki-list=${spki}`],
    received,
    /** The next message of this type (or one already received, counting from `after`). */
    next(type: string, match: (m: SignallingMessage) => boolean = () => true, after = 0): Promise<SignallingMessage> {
      const seen = received.slice(after).find((m) => m.type === type && match(m));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match: (m) => m.type === type && match(m), resolve }));
    },
    /** Rings the Device: a call to its identity, as a <Dial><Client> leg with these <Parameter>s. */
    invite(call: { callSid: string; sdp: string; from: string; to: string; params?: Record<string, string> }) {
      if (!socket) throw new Error('no Device is connected');
      const parameters: Record<string, string> = { CallSid: call.callSid, AccountSid: opts.accountSid, From: call.from, To: call.to, ApiVersion: '2010-04-01' };
      if (call.params) parameters.Params = new URLSearchParams(call.params).toString();
      send(socket, 'invite', { callsid: call.callSid, sdp: call.sdp, parameters });
    },
    /** Twilio ends the call (the caller hung up). */
    hangUp(callSid: string) {
      if (socket) send(socket, 'hangup', { callsid: callSid });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
