import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import { startHttpServer } from '../../src/server-http.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let browser: TestBrowser;

const NOTE = 'Wants the roaming charges on the June bill explained';

function callSid(): string {
  return `CA${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of ['billing', 'general', 'complaints', 'support', 'sales']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'Noura Al-Qahtani', phones: ['+966501234567'], language: 'en', tier: 'gold' });
  // Sara's softphone is in English, Huda's in Arabic (their first languages).
  await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { support: 3 }, languages: ['en', 'ar'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('agent-huda', { name: 'Huda', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-huda' });
  server = await startHttpServer(t);
  browser = await launchChromium('softphone-transfer', { width: 1100, height: 1200 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
  await twilioApi?.close();
});

async function signIn(page: Page, agentId: string) {
  await page.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', agentId))}`);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
  await page.getByTestId('status-available').click();
  await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
}

describe('the softphone transfer', () => {
  it('transfers a connected call cold to a queue with a note, and the next agent sees who sent it and why', async () => {
    const errors: string[] = [];
    const sara = browser.page;
    sara.on('pageerror', (err) => errors.push(err.message));
    await signIn(sara, 'agent-sara');

    // Noura presses 2 (support); Sara takes the call.
    const p = { CallSid: callSid(), From: '0501234567', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '2' }).expect(200);
    await t.services.routing.dispatch();
    const pop = sara.getByTestId('screen-pop');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    expect(await sara.getByTestId('transfer-form').isVisible()).toBe(false);
    await sara.getByTestId('pop-accept').click();
    await expect.poll(() => pop.getAttribute('data-status')).toBe('connected');

    // The Transfer action: billing, cold, with a note.
    const form = sara.getByTestId('transfer-form');
    await form.waitFor({ state: 'visible' });
    await expect.poll(() => sara.getByTestId('transfer-queue').locator('option').allTextContents()).toContain('billing');
    await sara.getByTestId('transfer-queue').selectOption('billing');
    await sara.getByTestId('transfer-note').fill(NOTE);
    await form.screenshot({ path: '/tmp/softphone-transfer-form.png' });

    const huda = await browser.context.newPage();
    huda.on('pageerror', (err) => errors.push(err.message));
    await signIn(huda, 'agent-huda');

    await sara.getByTestId('transfer-submit').click();
    await expect.poll(() => sara.getByTestId('agent-state').getAttribute('data-state')).toBe('wrap_up');
    const twiml = twilioApi.requests.at(-1)!.form.Twiml!;
    expect(twiml).toContain('>billing</Enqueue>');

    // Huda, in Arabic, gets the pop with the transfer banner.
    await t.services.routing.dispatch();
    const hudaPop = huda.getByTestId('screen-pop');
    await hudaPop.waitFor({ state: 'visible', timeout: 5000 });
    await expect.poll(() => huda.getByTestId('pop-transfer').textContent()).toBe(`محوّلة من agent-sara: ${NOTE}`);
    expect(await huda.getByTestId('pop-name').textContent()).toBe('Noura Al-Qahtani');
    await hudaPop.screenshot({ path: '/tmp/softphone-transfer-pop.png' });
    expect(errors).toEqual([]);
  });
});
