import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import { startHttpServer } from '../../src/server-http.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, postTwilio, type TestApp } from '../helpers/test-app.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const DAY = 86_400_000;

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;

/** Arabic-Indic digits to ASCII, separators and spaces out: "١٨٢٬٠٠٠ ر.س." -> "182000ر.س." */
function normalised(text: string): string {
  return text.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[\s,\u066c\u066b\u00a0\u202f]/g, '');
}

function callSid(): string {
  return `CA${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The caller presses 1 (billing), then types an account number: the call waits in the billing queue. */
async function billingCall(): Promise<string> {
  const p = { CallSid: callSid(), From: '0501234567', To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
  const queued = await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '12345678' }).expect(200);
  expect(queued.text).toContain('billing</Enqueue>');
  await t.services.routing.dispatch();
  return p.CallSid;
}

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  // A long offer, so a slow machine never sees it expire mid-test.
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of ['billing', 'general', 'complaints', 'support', 'sales']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({
    id: 'c-noura',
    name: 'نورة القحطاني',
    phones: ['+966501234567'],
    language: 'ar',
    tier: 'gold',
    accountValue: { amount: 182000, currency: 'SAR' },
  });
  const now = t.clock.now.getTime();
  await t.services.interactions.record({
    idempotencyKey: 'wa-1',
    customerId: 'c-noura',
    phoneE164: '+966501234567',
    channel: 'whatsapp',
    type: 'message',
    at: new Date(now - 2 * DAY),
    summary: 'Asked why the bill is higher',
  });
  await t.services.interactions.record({
    idempotencyKey: 'mail-1',
    customerId: 'c-noura',
    phoneE164: null,
    channel: 'email',
    type: 'message',
    at: new Date(now - 9 * DAY),
    summary: 'Requested a copy of the March invoice',
  });
  await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  server = await startHttpServer(t);

  browser = await launchChromium('softphone', { width: 1100, height: 900 });
  ({ context, page } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
  await twilioApi?.close();
});

describe('the agent softphone page', () => {
  it('pops the caller in Arabic before the agent answers, bridges the call on Accept, and shows an open offer again after a refresh', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const vendorRequests: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/vendor/')) vendorRequests.push(req.url());
    });

    await page.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', 'agent-sara'))}`);
    // The token leaves the address bar (and so the history) at once.
    await expect.poll(() => page.url()).not.toContain('token=');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    // Sara's first language is Arabic: the whole UI is right-to-left.
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    // This server has no voice setup (GET /api/voice/token: 503): the page says so, loads no SDK, and works as ever.
    await expect.poll(() => page.getByTestId('audio').getAttribute('data-state')).toBe('unconfigured');
    expect(await page.getByTestId('audio').textContent()).toContain('الصوت غير مُعدّ');
    expect(vendorRequests).toEqual([]);

    await page.getByTestId('status-available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'agent-sara' } })).state).toBe('available');

    const firstSid = await billingCall();
    const pop = page.getByTestId('screen-pop');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    expect(await pop.getAttribute('role')).toBe('alertdialog');
    expect(await pop.getAttribute('data-status')).toBe('pending');
    expect(await page.getByTestId('pop-name').textContent()).toBe('نورة القحطاني');
    expect(await page.getByTestId('pop-tier').getAttribute('data-tier')).toBe('gold');
    expect(normalised((await page.getByTestId('pop-account-value').textContent()) ?? '')).toContain('182000');
    // Her experience score (README): the email, the WhatsApp message 7 days later and this call 2 days
    // after that: two of three contacts were repeats within 7 days, so first-contact resolution is 33%.
    expect(normalised((await page.getByTestId('pop-experience').textContent()) ?? '')).toBe('33/100الحلمنأولتواصل33٪');
    const ivr = (await page.getByTestId('pop-ivr').textContent()) ?? '';
    expect(ivr).toContain('main');
    expect(ivr).toContain('account');
    await expect.poll(() => page.getByTestId('pop-history-item').count()).toBe(2);
    // Newest first: the WhatsApp message of two days ago, then the email.
    expect(await page.getByTestId('pop-history-item').first().textContent()).toContain('Asked why the bill is higher');
    expect(await page.getByTestId('pop-last').textContent()).toContain('Asked why the bill is higher');
    expect(Number(await page.getByTestId('pop-countdown').getAttribute('data-remaining'))).toBeGreaterThan(0);
    // The agent can answer with Enter: Accept has the focus.
    expect(await page.getByTestId('pop-accept').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await pop.screenshot({ path: '/tmp/softphone-pop.png' });
    // The CallSid, quietly: it matches the pop with the leg ringing in the browser's Twilio client.
    expect(await page.getByTestId('pop-provider-call-id').textContent()).toBe(firstSid);

    await page.getByTestId('pop-accept').click();
    const bridgePath = `/2010-04-01/Accounts/${ACCOUNT}/Calls/${firstSid}.json`;
    await expect.poll(() => twilioApi.requests.find((r) => r.method === 'POST' && r.path === bridgePath)?.form.Twiml ?? '', { timeout: 5000 }).toContain('<Client><Identity>client-sara</Identity>');
    await expect.poll(() => pop.getAttribute('data-status')).toBe('connected');
    expect(await page.getByTestId('pop-name').textContent()).toBe('نورة القحطاني');

    // The caller hangs up; Sara goes back to available and a second caller is offered to her.
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: firstSid, CallStatus: 'completed', CallDuration: '42' }).expect(204);
    await page.getByTestId('status-available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    await expect.poll(() => page.getByTestId('screen-pop').count()).toBe(0);
    t.clock.now = new Date(t.clock.now.getTime() + 60_000);
    await billingCall();
    await expect.poll(() => page.getByTestId('screen-pop').getAttribute('data-status'), { timeout: 5000 }).toBe('pending');

    // A refresh while the offer is open shows it again at once, still answerable.
    await page.reload();
    await page.getByTestId('screen-pop').waitFor({ state: 'visible', timeout: 2000 });
    expect(await page.getByTestId('pop-name').textContent()).toBe('نورة القحطاني');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    expect(await page.getByTestId('screen-pop').count()).toBe(1);
    expect(await page.getByTestId('pop-accept').isEnabled()).toBe(true);

    expect(pageErrors).toEqual([]);
  });

  it('drops the card of an accepted call Twilio could not connect, says why, and shows the agent free again', async () => {
    // The offer left open by the refresh above.
    const pop = page.getByTestId('screen-pop');
    expect(await pop.getAttribute('data-status')).toBe('pending');
    twilioApi.failNext(10);
    await page.getByTestId('pop-accept').click();
    await expect.poll(() => page.locator('.toast').filter({ hasText: 'could not connect the call' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('screen-pop').count()).toBe(0);
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    twilioApi.failNext(0);
    expect((await t.db.prisma.agent.findUniqueOrThrow({ where: { id: 'agent-sara' } })).state).toBe('available');
  });
});
