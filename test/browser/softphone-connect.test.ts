import { UpdateContactAttributesCommand } from '@aws-sdk/client-connect';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import { startHttpServer } from '../../src/server-http.js';
import { contactEvent as connectEvent, flowEvent } from '../webhooks/connect/connect-events.js';
import { agentArn, createConnectTestApp, queueArn, type ConnectTestApp } from '../webhooks/connect/connect-test-app.js';

// With Amazon Connect the agent answers in Amazon's CCP; our pop arrives once the call is
// connected, with no reservation of ours: the softphone shows the caller, nothing to accept.

let t: ConnectTestApp;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;
const at = (seconds: number) => new Date(t.clock.now.getTime() + seconds * 1000).toISOString();
const contactEvent = (eventType: string, contactId: string, detail: Record<string, unknown> = {}) =>
  connectEvent(eventType, contactId, detail, { time: at(200), initiatedAt: at(-5) });

/** A caller goes through Connect's flow (lookup, PIN, route), queues, and Connect hands the call to Sara in the CCP. */
async function connectCall(contactId: string, from: string, pin: string): Promise<void> {
  await t.connect.contactEvent(contactEvent('INITIATED', contactId));
  await t.connect.flow(flowEvent(contactId, 'lookup', {}, from));
  await t.connect.flow(flowEvent(contactId, 'pin', { pin }, from));
  await t.connect.flow(flowEvent(contactId, 'route', { queue: 'billing' }, from));
  await t.connect.contactEvent(contactEvent('QUEUED', contactId, { queueInfo: { queueArn: queueArn(3), enqueueTimestamp: at(20) } }));
  await t.connect.contactEvent(
    contactEvent('CONNECTED_TO_AGENT', contactId, { queueInfo: { queueArn: queueArn(3), enqueueTimestamp: at(20) }, agentInfo: { agentArn: agentArn(1), connectedToAgentTimestamp: at(40) } }),
  );
}

beforeAll(async () => {
  t = await createConnectTestApp();
  t.connectMock.on(UpdateContactAttributesCommand).resolves({});
  await t.services.agents.upsert('sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], connectAgentArn: agentArn(1) });
  await t.services.interactions.record({
    idempotencyKey: 'wa-1',
    customerId: 'c-noura',
    phoneE164: '+966501234567',
    channel: 'whatsapp',
    type: 'message',
    at: new Date(t.clock.now.getTime() - 2 * 86_400_000),
    summary: 'Asked why the bill is higher',
  });
  server = await startHttpServer(t);
  browser = await launchChromium('softphone-connect', { width: 1100, height: 900 });
  ({ context, page } = browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
});

describe('the agent softphone with Amazon Connect', () => {
  it('shows the caller of a call already connected in the CCP, with nothing to accept, until the agent dismisses it or the next pop comes', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', 'sara'))}`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');

    const first = '0000c0de-1111-4222-8333-444455550001';
    await connectCall(first, '+966501234567', '4321');
    const pop = page.getByTestId('screen-pop');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    expect(await pop.getAttribute('data-status')).toBe('provider_connected');
    expect(await pop.getAttribute('data-provider')).toBe('connect');
    // Not an offer: no alert dialog, no buttons to answer, no countdown, no flashing title.
    expect(await pop.getAttribute('role')).toBe('region');
    expect(await page.getByTestId('pop-accept').isVisible()).toBe(false);
    expect(await page.getByTestId('pop-reject').isVisible()).toBe(false);
    expect(await page.getByTestId('pop-countdown').isVisible()).toBe(false);
    expect(await pop.locator('[data-field="status"]').textContent()).toBe('المكالمة متصلة عبر Amazon Connect');
    expect(await pop.locator('button[data-field="dismiss"]').isVisible()).toBe(true);
    // The caller card, as for any pop: who, verified by PIN in Connect's flow, history, IVR.
    expect(await page.getByTestId('pop-name').textContent()).toBe('نورة القحطاني');
    expect(await page.getByTestId('pop-tier').getAttribute('data-tier')).toBe('gold');
    expect(await page.getByTestId('pop-verification').getAttribute('data-status')).toBe('verified');
    expect(await page.getByTestId('pop-experience').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('pop-history-item').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('pop-last').textContent()).toContain('Asked why the bill is higher');
    // The ContactId, quietly, to match the pop with the leg ringing in the CCP.
    expect(await page.getByTestId('pop-provider-call-id').textContent()).toBe(first);
    expect(await page.getByTestId('pop-provider-call-id').isVisible()).toBe(true);

    // The page acked the pop: its delivery is on the call's record.
    const firstCall = await t.db.prisma.call.findUniqueOrThrow({ where: { provider_providerCallId: { provider: 'connect', providerCallId: first } } });
    await expect.poll(() => t.db.prisma.callEvent.count({ where: { callId: firstCall.id, type: 'pop_delivered' } })).toBe(1);
    await pop.screenshot({ path: '/tmp/softphone-connect-pop.png' });

    // In English too.
    await page.locator('#lang-toggle').click();
    await expect.poll(() => pop.locator('[data-field="status"]').textContent()).toBe('On the call · connected through Amazon Connect');

    // A refresh keeps it: our agent state (offline here; the CCP has its own) does not close it.
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    expect(await page.getByTestId('screen-pop').count()).toBe(1);
    expect(await page.getByTestId('pop-provider-call-id').textContent()).toBe(first);

    // The next call replaces it.
    const second = '0000c0de-1111-4222-8333-444455550002';
    await connectCall(second, '+966551112233', '9876');
    await expect.poll(() => page.getByTestId('pop-provider-call-id').textContent()).toBe(second);
    expect(await page.getByTestId('screen-pop').count()).toBe(1);
    expect(await page.getByTestId('pop-name').textContent()).toBe('Omar Haddad');

    // Dismissed, it is gone and the desk is idle.
    await page.locator('button[data-field="dismiss"]').click();
    expect(await page.getByTestId('screen-pop').count()).toBe(0);
    expect(await page.locator('#idle').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
