import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { exampleRuleSet } from '../../src/routing/rules/example.js';
import { startHttpServer } from '../../src/server-http.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { createTestApp, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let context: BrowserContext;
let page: Page;
let browser: TestBrowser;
const pageErrors: string[] = [];

/** Arabic-Indic digits to ASCII, separators and spaces out. */
const normalised = (text: string) => text.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660)).replace(/[\s,\u066c\u066b\u00a0\u202f\u200f\u061c]/g, '');
const callSid = () => `CA${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
const bearer = (role: 'agent' | 'supervisor' | 'admin', sub?: string) => `Bearer ${t.token(role, sub)}`;
const advance = (seconds: number) => {
  t.clock.now = new Date(t.clock.now.getTime() + seconds * 1000);
};

/** A known caller (Arabic, no language menu) presses `digit` in the demo IVR and waits in its queue. */
async function queuedCall(from: string, digits: string[]): Promise<string> {
  const p = { CallSid: callSid(), From: from, To: '+966920000000' };
  await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
  let seq = 1;
  let last = '';
  for (const d of digits) last = (await postTwilio(t.app, `/webhooks/twilio/gather?seq=${seq++}`, { ...p, Digits: d }).expect(200)).text;
  expect(last).toContain('</Enqueue>');
  return p.CallSid;
}

async function realtime() {
  return (await request(t.app).get('/api/analytics/realtime').set('Authorization', bearer('supervisor')).expect(200)).body;
}
async function kpisToday() {
  return (await request(t.app).get('/api/analytics/kpis?interval=1h').set('Authorization', bearer('supervisor')).expect(200)).body;
}
const data = (testId: string, inner = '[data-field="value"]') => page.locator(`[data-testid="${testId}"] ${inner}`.trim()).getAttribute('data-value');

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of ['billing', 'general', 'complaints', 'support', 'sales', 'priority', 'crisis']) await t.services.rules.addQueue(q, { ar: q === 'billing' ? 'الفواتير' : q, en: q === 'billing' ? 'Billing' : q });
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة', phones: ['+966501234567'], language: 'ar', tier: 'gold', accountValue: { amount: 182000, currency: 'SAR' } });
  await t.services.customers.upsert({ id: 'c-omar', name: 'عمر', phones: ['+966507654321'], language: 'ar', tier: 'standard' });
  await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  await t.services.agents.upsert('agent-omar', { name: 'Omar', skills: { support: 2 }, languages: ['ar'], queues: ['support'], twilioIdentity: 'client-omar' });
  await t.services.rules.publish(exampleRuleSet, { by: 'seed', comment: 'worked example' });
  server = await startHttpServer(t);
  browser = await launchChromium('console', { width: 1400, height: 1000 });
  ({ context, page } = browser);
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
  await twilioApi?.close();
});

describe('the supervisor wallboard', () => {
  it('shows the numbers of /api/analytics/realtime and /kpis after calls go through the Twilio webhooks, in English and in Arabic', async () => {
    // One call answered after 8 s, one abandoned after 40 s; the rollup runs; then one caller waits.
    await request(t.app).put('/api/agents/agent-sara/status').set('Authorization', bearer('agent', 'agent-sara')).send({ status: 'available' }).expect(200);
    const answered = await queuedCall('0501234567', ['1', '12345678']);
    await t.services.routing.dispatch();
    advance(8);
    const offers = (await request(t.app).get('/api/agents/agent-sara/reservations').set('Authorization', bearer('agent', 'agent-sara')).expect(200)).body.items;
    expect(offers).toHaveLength(1);
    await request(t.app).post(`/api/reservations/${offers[0].reservationId}/accept`).set('Authorization', bearer('agent', 'agent-sara')).expect(200);
    const abandoned = await queuedCall('0507654321', ['1', '87654321']);
    advance(40);
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: abandoned, CallStatus: 'completed', CallDuration: '60' }).expect(204);
    advance(60);
    await postTwilio(t.app, '/webhooks/twilio/status', { CallSid: answered, CallStatus: 'completed', CallDuration: '75' }).expect(204);
    await t.services.analytics.refresh();

    await page.goto(`${server.url}/console/?lang=en&token=${encodeURIComponent(t.token('supervisor', 'sup-huda'))}`);
    await expect.poll(() => page.url()).not.toContain('token=');
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');

    // A third caller is waiting now (in general, where nobody is free).
    await queuedCall('0501234567', ['0']);
    await expect.poll(() => data('tile-waiting'), { timeout: 10_000 }).toBe('1');

    const api = await realtime();
    const kpis = await kpisToday();
    // Not a vacuous comparison: the day has both calls, one answered and one abandoned.
    expect(kpis.totals).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });
    await expect.poll(() => data('tile-offered'), { timeout: 10_000 }).toBe(String(kpis.totals.offered));
    expect(await data('tile-service-level')).toBe(String(kpis.totals.serviceLevel));
    expect(await page.getByTestId('tile-abandoned').getAttribute('data-value')).toBe(String(kpis.totals.abandoned));
    for (const q of api.queues as Array<Record<string, any>>) {
      const row = page.locator(`[data-testid="queues-table"] tr[data-queue="${q.queue}"]`);
      expect(await row.locator('[data-field="waiting"]').getAttribute('data-value')).toBe(String(q.waiting));
      expect(await row.locator('[data-field="offered"]').getAttribute('data-value')).toBe(String(q.offeredToday));
      expect(await row.locator('[data-field="answered"]').getAttribute('data-value')).toBe(String(q.answeredToday));
      expect(await row.locator('[data-field="abandoned"]').getAttribute('data-value')).toBe(String(q.abandonedToday));
      expect((await row.locator('[data-field="service-level"]').getAttribute('data-value')) ?? 'null').toBe(String(q.serviceLevelToday));
    }
    for (const [state, n] of Object.entries(api.agents.byState)) {
      expect(await page.locator(`[data-testid="tile-agents"] li[data-state="${state}"]`).getAttribute('data-value')).toBe(String(n));
    }
    // What a person reads, not only the attributes: the billing row and the tiles.
    const billing = api.queues.find((q: { queue: string }) => q.queue === 'billing');
    expect(await page.locator('tr[data-queue="billing"] th').textContent()).toBe('Billing');
    expect(normalised((await page.locator('tr[data-queue="billing"] [data-field="service-level"]').textContent()) ?? '')).toBe(`${Math.round(billing.serviceLevelToday * 100)}%`);
    expect(await page.locator('[data-testid="tile-waiting"] [data-field="value"]').textContent()).toBe('1');
    // Sara is in wrap-up after her call; Omar is offline.
    expect(await page.locator('tr[data-agent="agent-sara"] .state-badge').getAttribute('data-state')).toBe('wrap_up');
    expect(await page.locator('tr[data-agent="agent-omar"] .state-badge').textContent()).toBe('Offline');
    // The calls chart plots the API's hourly series.
    const points = JSON.parse((await page.getByTestId('chart-calls').getAttribute('data-points')) ?? '[]') as number[][];
    const offeredByHour = (kpis.series as Array<{ start: string; offered: number }>).filter((p) => Date.parse(p.start) <= t.clock.now.getTime()).map((p) => p.offered);
    expect(points[0]).toEqual(offeredByHour);
    expect(offeredByHour.reduce((a, b) => a + b, 0)).toBe(2);
    await page.screenshot({ path: '/tmp/console-wallboard-en.png', fullPage: true });

    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await page.locator('tr[data-queue="billing"] th').textContent()).toBe('الفواتير');
    expect(normalised((await page.locator('[data-testid="tile-offered"] [data-field="value"]').textContent()) ?? '')).toBe(String(kpis.totals.offered));
    expect(await page.locator('tr[data-agent="agent-omar"] .state-badge').textContent()).toBe('غير متصل');
    await page.screenshot({ path: '/tmp/console-wallboard-ar.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('lists an alert as it is raised: a caller waiting too long', async () => {
    advance(125);
    await t.services.supervisor.poke();
    const alert = page.locator('[data-testid="alert-feed"] li[data-kind="long_wait"]');
    await alert.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await alert.locator('.alert-title').textContent()).toBe('متصل ينتظر طويلاً');
    // An alert another module raises on the bus: voice biometrics' fraud verdict.
    await t.services.bus.publish('supervisor.alert', { type: 'fraud_suspected', at: t.clock.now.toISOString(), callId: 'call-x', queue: 'billing', reason: 'watchlist hit' });
    const fraud = page.locator('[data-testid="alert-feed"] li[data-kind="fraud_suspected"]');
    await fraud.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await fraud.locator('.alert-text').textContent()).toBe('الفواتير · watchlist hit');
    await page.screenshot({ path: '/tmp/console-alerts-ar.png', fullPage: true });
    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('ltr');
    expect(await fraud.locator('.alert-title').textContent()).toBe('Fraud suspected');
    // Times of day on the business clock (Riyadh, UTC+3), whatever the zone of the PC showing the page.
    expect(await fraud.locator('time').textContent()).toBe(new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone: 'Asia/Riyadh' }).format(t.clock.now));
    await page.locator('.alerts').screenshot({ path: '/tmp/console-alerts-en.png' });
  });
});

describe('without a supervisor socket (a serverless deployment)', () => {
  it('polls GET /api/supervisor/live: the top bar says so, the numbers are the API\'s and follow a new caller', async () => {
    const polling = await context.newPage();
    polling.on('pageerror', (err) => pageErrors.push(err.message));
    // API Gateway's HTTP API answers the upgrade 404: the handshake fails, the socket never opens.
    await polling.addInitScript(() => {
      class NoSocket extends EventTarget {
        static OPEN = 1;
        readyState = 3;
        onclose: ((e: unknown) => void) | null = null;
        constructor() {
          super();
          setTimeout(() => this.onclose?.({ code: 1006 }), 0);
        }
        send() {}
        close() {}
      }
      (window as unknown as { WebSocket: unknown }).WebSocket = NoSocket;
    });
    await polling.goto(`${server.url}/console/?lang=en&token=${encodeURIComponent(t.token('supervisor', 'sup-huda'))}`);
    await expect.poll(() => polling.getByTestId('connection').getAttribute('data-state'), { timeout: 10_000 }).toBe('polling');
    expect(await polling.getByTestId('connection').textContent()).toContain('Live (every 5 s)');
    const waitingNow = async () => (await realtime()).queues.reduce((n: number, q: { waiting: number }) => n + q.waiting, 0);
    const tile = () => polling.locator('[data-testid="tile-waiting"] [data-field="value"]').getAttribute('data-value');
    await expect.poll(tile, { timeout: 10_000 }).toBe(String(await waitingNow()));
    await queuedCall('0507654321', ['0']);
    const after = await waitingNow();
    await expect.poll(tile, { timeout: 15_000 }).toBe(String(after));
    expect(after).toBeGreaterThan(0);
    // Another Lambda (the same database, nothing else shared) raises an alert: the next poll lists it.
    const otherLambda = buildApp({ config: TEST_CONFIG, db: t.db.prisma, logger: pino({ level: 'silent' }), now: () => t.clock.now });
    await otherLambda.services.bus.publish('supervisor.alert', { type: 'fraud_suspected', at: t.clock.now.toISOString(), callId: 'call-other-lambda', queue: 'billing', reason: 'spoof' });
    await otherLambda.settle();
    await otherLambda.shutdown();
    const elsewhere = polling.locator('[data-testid="alert-feed"] li[data-id="fraud_suspected:call-other-lambda"]');
    await elsewhere.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await elsewhere.getAttribute('data-cleared')).toBeNull();
    expect(await elsewhere.locator('.alert-text').textContent()).toBe('Billing · spoof');
    await polling.screenshot({ path: '/tmp/console-polling-en.png', fullPage: true });
    await polling.close();
  });
});

describe('signing in', () => {
  it('takes a pasted supervisor token, refuses an agent token, and signs out', async () => {
    await page.goto(`${server.url}/console/?lang=ar`);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('token').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => localStorage.getItem('console.token'))).toBeNull();
    await page.screenshot({ path: '/tmp/console-signin-ar.png' });
    await page.getByTestId('token').fill(t.token('agent', 'agent-sara'));
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.locator('#signin-error').textContent()).toContain('رُفض رمز الدخول');
    await page.getByTestId('token').fill(t.token('supervisor', 'sup-huda'));
    await page.getByTestId('sign-in').click();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
    // Kept for the next visit: a wallboard screen is not signed in to every morning.
    await page.reload();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');
  });
});

describe('the routing-rules editor', () => {
  const card = (rule: string) => page.locator(`[data-testid="rule-card"][data-rule="${rule}"]`);

  it('pins a bad rule’s errors to the rule and field and will not publish it; a good one publishes and the new version appears', async () => {
    await page.goto(`${server.url}/console/?lang=en&token=${encodeURIComponent(t.token('admin', 'admin-lina'))}#rules`);
    await expect.poll(() => page.getByTestId('active-version').getAttribute('data-version')).toBe('1');
    await expect.poll(() => page.getByTestId('validity').getAttribute('data-state')).toBe('unchanged');
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);

    const draft = structuredClone(exampleRuleSet) as unknown as { rules: Array<Record<string, unknown>>; default: unknown };
    draft.rules[1] = { ...draft.rules[1], queue: 'nowhere', when: 'customer.vip == true' };
    await page.getByTestId('rules-editor').fill(JSON.stringify(draft, null, 2));
    await expect.poll(() => page.getByTestId('validity').getAttribute('data-state')).toBe('invalid');
    expect(await card('vip').getAttribute('data-invalid')).toBe('true');
    const fields = await card('vip').locator('[data-testid="rule-error"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    expect(fields).toEqual(expect.arrayContaining(['queue', 'when']));
    expect(await card('crisis').getAttribute('data-invalid')).toBeNull();
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
    // The error leads to its line: the editor selects the rule's field.
    await card('vip').locator('[data-testid="rule-error"][data-field="queue"] button').click();
    expect(await page.getByTestId('rules-editor').evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd))).toBe('"queue"');
    await page.screenshot({ path: '/tmp/console-rules-invalid-en.png', fullPage: true });

    // JSON that does not parse is shown as such, and cannot be published either.
    await page.getByTestId('rules-editor').fill('{ "rules": [ ');
    await expect.poll(() => page.getByTestId('validity').getAttribute('data-state')).toBe('json');
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);

    // A good change: VIPs now at priority 95.
    const good = structuredClone(exampleRuleSet) as unknown as { rules: Array<Record<string, unknown>> };
    good.rules[1] = { ...good.rules[1], priority: 95 };
    await page.getByTestId('rules-editor').fill(JSON.stringify(good, null, 2));
    await expect.poll(() => page.getByTestId('validity').getAttribute('data-state')).toBe('valid');
    // The draft is what the simulator uses: a platinum caller takes the vip rule.
    await page.locator('#sim-form input[name="tier"]').fill('platinum');
    await page.getByTestId('simulate').click();
    await expect.poll(() => page.locator('[data-testid="sim-result"] .sim-decision').getAttribute('data-rule')).toBe('vip');
    expect(await page.locator('[data-testid="sim-result"] .sim-decision').textContent()).toContain('priority 95');

    await page.getByTestId('publish-comment').fill('VIPs ahead of open complaints');
    await page.getByTestId('publish').click();
    await expect.poll(() => page.getByTestId('publish-result').getAttribute('data-version')).toBe('2');
    await expect.poll(() => page.getByTestId('active-version').getAttribute('data-version')).toBe('2');
    const newest = page.getByTestId('audit-row').first();
    expect(await newest.getAttribute('data-version')).toBe('2');
    expect(await newest.locator('td.comment').textContent()).toBe('VIPs ahead of open complaints');
    expect(await newest.textContent()).toContain('admin-lina');
    const active = (await request(t.app).get('/api/routing/rules').set('Authorization', bearer('admin')).expect(200)).body;
    expect(active.version).toBe(2);
    expect(active.rules[1]).toMatchObject({ name: 'vip', priority: 95 });

    // The diff between the versions names the change.
    await page.getByTestId('diff-from').selectOption('1');
    await page.getByTestId('diff-to').selectOption('2');
    await page.getByTestId('diff-show').click();
    await expect.poll(() => page.getByTestId('diff-result').textContent()).toContain('vip · priority: 90 → 95');
    await page.screenshot({ path: '/tmp/console-rules-published-en.png', fullPage: true });
  });

  it('rolls back to an earlier version (admin), in Arabic', async () => {
    await page.getByTestId('lang-toggle').click();
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid="audit-row"][data-version="1"] [data-testid="rollback"]').click();
    await expect.poll(() => page.getByTestId('active-version').getAttribute('data-version')).toBe('1');
    expect((await request(t.app).get('/api/routing/rules').set('Authorization', bearer('admin')).expect(200)).body.version).toBe(1);
    expect(await page.getByTestId('audit-row').first().textContent()).toContain('تراجع إلى');
    await page.screenshot({ path: '/tmp/console-rules-ar.png', fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('is read-only for a supervisor', async () => {
    await page.goto(`${server.url}/console/?token=${encodeURIComponent(t.token('supervisor', 'sup-huda'))}#rules`);
    await expect.poll(() => page.getByTestId('read-only').isVisible()).toBe(true);
    expect(await page.getByTestId('rules-editor').evaluate((el: HTMLTextAreaElement) => el.readOnly)).toBe(true);
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
    expect(await page.getByTestId('rollback').count()).toBe(0);
  });
});
