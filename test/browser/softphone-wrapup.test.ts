import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import { startHttpServer } from '../../src/server-http.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, postTwilio, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;

const BILLING_CODES = [
  { code: 'bill_explained', label: { ar: 'تم توضيح الفاتورة', en: 'Bill explained' }, queues: ['billing'] },
  { code: 'fixed_on_call', label: { ar: 'حُلّت المشكلة الفنية', en: 'Fixed on the call' }, queues: ['support'] },
  { code: 'general_enquiry', label: { ar: 'استفسار عام', en: 'General enquiry' } },
];

const putCodes = (codes: unknown[]) => request(t.app).put('/api/dispositions').set('Authorization', `Bearer ${t.token('admin')}`).send({ codes }).expect(200);

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
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of ['billing', 'general', 'complaints', 'support', 'sales']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await putCodes(BILLING_CODES);
  server = await startHttpServer(t);

  browser = await launchChromium('softphone-wrapup', { width: 1100, height: 1100 });
  ({ context, page } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
  await twilioApi?.close();
});

describe('the softphone wrap-up form', () => {
  it("logs an ended call's outcome in Arabic, keeps what was typed through a refusal, and makes the agent available", async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', 'agent-sara'))}`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.getByTestId('status-available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');

    const sid = await billingCall();
    const pop = page.getByTestId('screen-pop');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    // While the call is offered and talked, there is nothing to wrap up.
    expect(await page.getByTestId('wrapup-form').isVisible()).toBe(false);
    await page.getByTestId('pop-accept').click();
    await expect.poll(() => pop.getAttribute('data-status')).toBe('connected');
    expect(await page.getByTestId('wrapup-form').isVisible()).toBe(false);

    // The caller hangs up (Twilio ends the agent's <Dial>, then the call): Sara is in wrap-up and the card asks for the outcome.
    await postTwilio(t.app, '/webhooks/twilio/agent-leg-ended', { CallSid: sid, CallStatus: 'completed', DialCallStatus: 'completed', DialCallDuration: '40' }).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: sid, CallStatus: 'completed', CallDuration: '42' }).expect(204);
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('wrap_up');
    await expect.poll(() => pop.getAttribute('data-status')).toBe('wrap_up');
    const form = page.getByTestId('wrapup-form');
    await form.waitFor({ state: 'visible' });
    // The billing queue's codes and the ones for every queue, labelled in Arabic.
    const select = page.getByTestId('wrapup-disposition');
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['اختر النتيجة…', 'تم توضيح الفاتورة', 'استفسار عام']);

    // Saving without an outcome is refused on the page, in Arabic.
    await page.getByTestId('wrapup-notes').fill('شرحت للعميلة رسوم التجوال في الفاتورة');
    await page.getByTestId('wrapup-submit').click();
    await expect.poll(() => page.getByTestId('wrapup-error').textContent()).toBe('اختر نتيجة المكالمة.');

    await select.selectOption('bill_explained');
    await expect.poll(() => page.getByTestId('wrapup-error').isVisible()).toBe(false);
    await page.getByTestId('wrapup-resolved').check();
    await pop.screenshot({ path: '/tmp/softphone-wrapup.png' });

    // The admin withdraws the code meanwhile: the server's refusal shows inline and nothing typed is lost.
    await putCodes(BILLING_CODES.slice(1));
    await page.getByTestId('wrapup-submit').click();
    await expect.poll(() => page.getByTestId('wrapup-error').textContent()).toBe('هذه النتيجة ليست من نتائج قائمة الانتظار هذه؛ اختر غيرها.');
    expect(await page.getByTestId('wrapup-notes').inputValue()).toBe('شرحت للعميلة رسوم التجوال في الفاتورة');
    expect(await select.inputValue()).toBe('bill_explained');
    expect(await page.getByTestId('wrapup-resolved').isChecked()).toBe(true);
    expect(await page.getByTestId('agent-state').getAttribute('data-state')).toBe('wrap_up');
    await form.screenshot({ path: '/tmp/softphone-wrapup-refused.png' });

    // Put back, saved again: the card goes and Sara is available for the next caller.
    await putCodes(BILLING_CODES);
    await page.getByTestId('wrapup-submit').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    await expect.poll(() => page.getByTestId('screen-pop').count()).toBe(0);

    // The call's entry on Noura's timeline carries the outcome.
    const timeline = await request(t.app).get('/api/customers/c-noura/timeline').set('Authorization', `Bearer ${t.token('supervisor')}`).expect(200);
    const entry = timeline.body.items.find((i: { call?: { providerCallId?: string } }) => i.call?.providerCallId === sid);
    expect(entry.call.events).toContainEqual(
      expect.objectContaining({ type: 'wrapup', agentId: 'agent-sara', disposition: 'bill_explained', notes: 'شرحت للعميلة رسوم التجوال في الفاتورة', resolved: 'true' }),
    );
    expect(pageErrors).toEqual([]);
  });
});
