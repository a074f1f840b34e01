import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';

// The page against a scripted hub: reconnects, resume, acks, duplicates and a refused
// token, which the real server cannot be made to produce on cue.

// The page's folder and the modules it shares with the console, as the app serves them.
const PUBLIC = path.resolve(import.meta.dirname, '../../public');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const TOKEN = `h.${Buffer.from(JSON.stringify({ sub: 'agent-omar', role: 'agent' })).toString('base64url')}.s`;

let server: http.Server;
let url: string;
let browser: Browser;
let page: Page;
const received: Array<Record<string, unknown>> = [];
let sockets: WebSocket[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const dir = pathname.startsWith('/shared/') ? 'shared' : 'agent';
    const name = pathname.replace(/^\/(agent|shared)\/?/, '') || 'index.html';
    readFile(path.join(PUBLIC, dir, path.basename(name)))
      .then((body) => res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream' }).end(body))
      .catch(() => res.writeHead(404).end());
  });
  const wss = new WebSocketServer({ server, path: '/ws/agent', handleProtocols: (p) => (p.has('bearer') ? 'bearer' : false) });
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (data) => received.push(JSON.parse(data.toString()) as Record<string, unknown>));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const latest = () => sockets[sockets.length - 1]!;
const push = (msg: Record<string, unknown>) => latest().send(JSON.stringify(msg));
const at = new Date().toISOString();

function pop(seq: number, reservationId: string) {
  return {
    type: 'screen_pop', id: `m${seq}`, seq, at,
    call: { id: 'call-1', provider: 'twilio', from: '+966551112233', language: 'en', queue: 'support', waitSeconds: 14, reservationId },
    reservation: { id: reservationId, expiresAt: new Date(Date.now() + 20_000).toISOString(), timeoutSeconds: 20 },
    customer: { id: null, name: null, tier: null, known: false },
    accountValue: null,
    verification: { status: 'verified', method: 'voice', score: 0.93 },
    sentiment: { label: 'negative', score: -0.6, trend: 'falling' },
    lastInteraction: { channel: 'chat', at: new Date(Date.now() - 3 * 3600_000).toISOString(), summary: 'Router keeps rebooting', sentiment: 'negative' },
    history: [
      { channel: 'voice', at: new Date(Date.now() - 5 * 86_400_000).toISOString(), summary: 'Reported slow internet', sentiment: 'neutral' },
      { channel: 'chat', at: new Date(Date.now() - 3 * 3600_000).toISOString(), summary: 'Router keeps rebooting', sentiment: 'negative' },
    ],
    ivr: { path: ['main', 'support'], intent: 'support', inputs: { speech: 'internet is down' } },
  };
}

describe('the softphone protocol', () => {
  it('acks, drops duplicates, resumes after a dropped socket and signs out on a refused token', async () => {
    await page.goto(`${url}/agent/?token=${TOKEN}`);
    await expect.poll(() => sockets.length).toBe(1);
    push({ type: 'hello', agent: { id: 'agent-omar', name: 'Omar', languages: ['en', 'ar'], state: 'available', stateReason: null }, lastSeq: 0 });
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');

    const rid = '6f0c1c1e-7d0a-4a8e-9a57-3f1d1b2c3d4e';
    push(pop(1, rid));
    push(pop(1, rid)); // a duplicate: acked again, shown once
    await page.getByTestId('screen-pop').waitFor();
    expect(await page.getByTestId('pop-name').textContent()).toBe('Unknown caller');
    expect(await page.getByTestId('screen-pop').textContent()).toContain('+966551112233');
    expect(await page.getByTestId('pop-verification').getAttribute('data-status')).toBe('verified');
    expect(await page.getByTestId('pop-sentiment').textContent()).toContain('↓');
    expect(await page.getByTestId('pop-history-item').first().textContent()).toContain('Router keeps rebooting');
    await expect.poll(() => received.filter((m) => m.type === 'ack' && m.id === 'm1').length).toBe(2);
    await expect.poll(() => page.title()).toContain('Incoming call');
    await page.getByTestId('screen-pop').screenshot({ path: '/tmp/softphone-pop-en.png' });

    // The socket dies without a close frame: the page comes back and asks for what it missed.
    latest().terminate();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('reconnecting');
    await expect.poll(() => sockets.length, { timeout: 5000 }).toBe(2);
    await expect.poll(() => received.find((m) => m.type === 'resume')).toEqual({ type: 'resume', lastSeq: 1 });
    push({ type: 'reservation', id: 'm2', seq: 2, at, reservationId: rid, status: 'cancelled', agentId: 'agent-omar' });
    await expect.poll(() => page.getByTestId('screen-pop').getAttribute('data-status')).toBe('cancelled');
    expect(await page.getByTestId('pop-accept').isHidden()).toBe(true);

    push({ type: 'error', code: 'BAD_MESSAGE', message: 'status: invalid' });
    await expect.poll(() => page.locator('.toast').textContent()).toBe('status: invalid');

    await page.getByTestId('status-away').click();
    await expect.poll(() => received.find((m) => m.type === 'status')).toEqual({ type: 'status', status: 'away', reason: 'break' });

    latest().close(4401, 'token expired');
    await page.getByTestId('token').waitFor();
    expect(await page.locator('#signin-error').textContent()).toMatch(/refused/);
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('closed');
  });
});
