import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';

// The pop card's verification badge and fraud warning, in English and Arabic, against a
// scripted hub that sends the pops the IVR's verdicts produce.

// The page's folder and the modules it shares with the console, as the app serves them.
const PUBLIC = path.resolve(import.meta.dirname, '../../public');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const TOKEN = `h.${Buffer.from(JSON.stringify({ sub: 'agent-omar', role: 'agent' })).toString('base64url')}.s`;

let server: http.Server;
let url: string;
let browser: Browser;
let page: Page;
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
  wss.on('connection', (ws) => sockets.push(ws));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

const at = new Date().toISOString();
function pop(seq: number, verification: Record<string, unknown>) {
  const reservationId = `00000000-0000-4000-8000-00000000000${seq}`;
  return {
    type: 'screen_pop', id: `m${seq}`, seq, at,
    call: { id: `call-${seq}`, provider: 'twilio', from: '+966551112233', language: 'en', queue: 'billing', waitSeconds: 3, reservationId },
    reservation: { id: reservationId, expiresAt: new Date(Date.now() + 60_000).toISOString(), timeoutSeconds: 60 },
    customer: { id: 'c1', name: 'Omar Haddad', tier: 'gold', known: true },
    accountValue: null, verification, sentiment: null, lastInteraction: null, history: [],
    ivr: { path: ['main', 'verify_balance', 'q_billing'], intent: 'balance', inputs: {} },
  };
}

async function open(languages: string[]) {
  sockets = [];
  await page.goto(`${url}/agent/?token=${TOKEN}`);
  await expect.poll(() => sockets.length).toBe(1);
  sockets[0]!.send(JSON.stringify({ type: 'hello', agent: { id: 'agent-omar', name: 'Omar', languages, state: 'available', stateReason: null }, lastSeq: 0 }));
  await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
}

async function show(seq: number, verification: Record<string, unknown>) {
  sockets[0]!.send(JSON.stringify(pop(seq, verification)));
  const card = page.locator(`[data-reservation-id="00000000-0000-4000-8000-00000000000${seq}"]`);
  await card.waitFor();
  return { badge: card.getByTestId('pop-verification'), risk: card.getByTestId('pop-risk') };
}

const noRisk = { watchlist: false, spoofSuspected: false };

describe("the pop's verification badge", () => {
  it('says how the caller was verified, that a PIN is locked, and warns of fraud apart from the verdict (English)', async () => {
    await open(['en']);
    const byPin = await show(1, { status: 'verified', method: 'pin', risk: noRisk });
    expect(await byPin.badge.textContent()).toBe('Verified · PIN');
    expect(await byPin.risk.isHidden()).toBe(true);
    const locked = await show(2, { status: 'locked', method: 'pin', risk: noRisk });
    expect(await locked.badge.getAttribute('data-status')).toBe('locked');
    expect(await locked.badge.textContent()).toBe('PIN locked · PIN');
    const spoof = await show(3, { status: 'failed', method: 'voice', risk: { watchlist: false, spoofSuspected: true } });
    expect(await spoof.badge.textContent()).toBe('Verification failed · voice');
    expect(await spoof.risk.isVisible()).toBe(true);
    expect(await spoof.risk.textContent()).toBe('Voice may be spoofed');
  });

  it('shows the same in Arabic', async () => {
    await open(['ar', 'en']);
    const listed = await show(4, { status: 'failed', risk: { watchlist: true, spoofSuspected: false } });
    expect(await listed.badge.textContent()).toBe('فشل التحقق');
    expect(await listed.risk.textContent()).toBe('على قائمة الاحتيال');
    const locked = await show(5, { status: 'locked', method: 'pin', risk: noRisk });
    expect(await locked.badge.textContent()).toBe('الرمز السري مقفل · بالرمز السري');
  });
});
