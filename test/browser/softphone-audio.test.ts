import jwt from 'jsonwebtoken';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium.js';
import { startFakeTwilioApi } from '../helpers/fake-twilio-api.js';
import { startFakeTwilioSignalling, type SignallingMessage } from '../helpers/fake-twilio-signalling.js';
import { createTestApp, postTwilio, TEST_CONFIG, type TestApp } from '../helpers/test-app.js';
import { startHttpServer } from '../../src/server-http.js';

/**
 * The softphone's audio in Chromium: the page registers a real Twilio Voice SDK Device with the
 * token of GET /api/voice/token at a stand-in for Twilio's signalling gateway (the
 * TWILIO_VOICE_SIGNALLING_HOST test hook), renews the token when the SDK asks, answers by itself
 * the call of the offer the agent accepted (the Dial's <Parameter>s) and rings any other. The
 * "Twilio media" end of each call is a second RTCPeerConnection in the same browser: the offer
 * is real, and so is the audio that reaches it from the agent's (fake) microphone.
 */

const VOICE = { apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: 'voice-api-secret-0123456789', twimlAppSid: 'AP0123456789abcdef0123456789abcdef' };
const ACCOUNT = TEST_CONFIG.twilio.accountSid;

let t: TestApp;
let twilioApi: Awaited<ReturnType<typeof startFakeTwilioApi>>;
let signalling: Awaited<ReturnType<typeof startFakeTwilioSignalling>>;
let server: Awaited<ReturnType<typeof startHttpServer>>;
let browser: TestBrowser;
let page: Page;
let media: Page;
const pageErrors: string[] = [];
const issued: Array<{ token: string; identity: string; expiresAt: string }> = [];

function callSid(): string {
  return `CA${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Twilio's media end of a call: a peer connection sending a tone, and its offer once ICE candidates are gathered. */
async function mediaOffer(): Promise<string> {
  return media.evaluate(async () => {
    const w = window as unknown as { pc?: RTCPeerConnection };
    w.pc?.close();
    const pc = new RTCPeerConnection();
    w.pc = pc;
    const ctx = new AudioContext();
    const tone = ctx.createOscillator();
    const out = ctx.createMediaStreamDestination();
    tone.connect(out);
    tone.start();
    for (const track of out.stream.getAudioTracks()) pc.addTrack(track, out.stream);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    });
    return pc.localDescription!.sdp;
  });
}

/** Audio packets the media end has received from the agent's browser. */
function packetsFromAgent(): Promise<number> {
  return media.evaluate(async () => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    let packets = 0;
    (await pc.getStats()).forEach((s: { type: string; kind?: string; packetsReceived?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') packets += s.packetsReceived ?? 0;
    });
    return packets;
  });
}

beforeAll(async () => {
  twilioApi = await startFakeTwilioApi();
  // Twilio tells the SDK how long its token has left; the first time, "within the refresh window".
  signalling = await startFakeTwilioSignalling({ accountSid: ACCOUNT, apiKey: VOICE.apiKey, apiSecret: VOICE.apiSecret, ttlSeconds: (listen) => (listen === 1 ? 30 : undefined) });
  t = await createTestApp({ twilioApiBaseUrl: twilioApi.url, twilioVoice: { ...VOICE, signallingHost: signalling.host }, routingOptions: { offerTimeoutMs: 60_000 } });
  for (const q of ['billing', 'general', 'complaints', 'support', 'sales']) await t.services.rules.addQueue(q, {});
  await t.services.customers.upsert({ id: 'c-noura', name: 'نورة القحطاني', phones: ['+966501234567'], language: 'ar', tier: 'gold' });
  await t.services.agents.upsert('agent-sara', { name: 'Sara', skills: { billing: 3 }, languages: ['ar', 'en'], twilioIdentity: 'client-sara' });
  server = await startHttpServer(t);
  browser = await launchChromium('softphone-audio', { width: 1100, height: 900 }, {
    args: [...signalling.chromiumArgs, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
  page = browser.page;
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('response', async (res) => {
    if (new URL(res.url()).pathname === '/api/voice/token' && res.status() === 200) issued.push(await res.json());
  });
  media = await browser.context.newPage();
  await media.goto(`${server.url}/healthz`);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t?.close();
  await signalling?.close();
  await twilioApi?.close();
});

const listens = () => signalling.received.filter((m) => m.type === 'listen');

describe('the softphone audio (Twilio Voice SDK)', () => {
  it('registers with the token GET /api/voice/token issued, shows it, and hands the SDK a new token when it says the old one runs out', async () => {
    const sdkRequests: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/vendor/')) sdkRequests.push(new URL(req.url()).pathname);
    });
    await page.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', 'agent-sara'))}`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('connected');

    // The SDK's first words to the gateway carry our endpoint's token for Sara's identity.
    const first = await signalling.next('listen');
    await expect.poll(() => issued.length).toBeGreaterThan(0);
    expect(first.payload.token).toBe(issued[0]!.token);
    expect(issued[0]!.identity).toBe('client-sara');
    const claims = jwt.verify(first.payload.token, VOICE.apiSecret) as jwt.JwtPayload;
    expect(claims).toMatchObject({ iss: VOICE.apiKey, sub: ACCOUNT, grants: { identity: 'client-sara', voice: { incoming: { allow: true } } } });
    expect(sdkRequests).toEqual(['/agent/vendor/twilio.min.js']);

    await expect.poll(() => page.getByTestId('audio').getAttribute('data-state'), { timeout: 10_000 }).toBe('registered');
    expect(await page.getByTestId('audio').textContent()).toContain('الصوت: جاهز');
    expect(signalling.received.some((m) => m.type === 'register' && m.payload.media?.audio === true)).toBe(true);

    // The gateway said the token has 30 s left: the page asked for the next and the SDK sent it on the same socket.
    const second = await signalling.next('listen', () => true, signalling.received.indexOf(first) + 1);
    await expect.poll(() => issued.length).toBe(2);
    expect(second.payload.token).toBe(issued[1]!.token);
    expect((jwt.verify(second.payload.token, VOICE.apiSecret) as jwt.JwtPayload).grants.identity).toBe('client-sara');
    expect(await page.getByTestId('audio').getAttribute('data-state')).toBe('registered');
    expect(listens()).toHaveLength(2);

    // In English too.
    await page.locator('#lang-toggle').click();
    expect(await page.getByTestId('audio').textContent()).toContain('Audio: ready');
    await page.locator('#lang-toggle').click();
  });

  it('answers by itself the call Twilio rings for the offer the agent accepted, carries audio, and Hang up ends it', async () => {
    await page.getByTestId('status-available').click();
    await expect.poll(() => page.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    const p = { CallSid: callSid(), From: '0501234567', To: '+966920000000' };
    await postTwilio(t.app, '/webhooks/twilio/voice', p).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=1', { ...p, Digits: '1' }).expect(200);
    await postTwilio(t.app, '/webhooks/twilio/gather?seq=2', { ...p, Digits: '12345678' }).expect(200);
    await t.services.routing.dispatch();
    const pop = page.getByTestId('screen-pop');
    await pop.waitFor({ state: 'visible', timeout: 5000 });
    await page.getByTestId('pop-accept').click();

    // What Twilio was told: dial Sara's identity with the reservation as a parameter. The stand-in rings exactly that.
    const bridgePath = `/2010-04-01/Accounts/${ACCOUNT}/Calls/${p.CallSid}.json`;
    await expect.poll(() => twilioApi.requests.find((r) => r.path === bridgePath)?.form.Twiml ?? '', { timeout: 5000 }).toContain('<Identity>client-sara</Identity>');
    const twiml = twilioApi.requests.find((r) => r.path === bridgePath)!.form.Twiml!;
    const [, identity] = /<Identity>([^<]+)<\/Identity>/.exec(twiml)!;
    const params = Object.fromEntries([...twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g)].map((m) => [m[1]!, m[2]!]));
    expect(params.reservationId).toMatch(/^[0-9a-f-]{36}$/);

    const leg = callSid();
    const from = signalling.received.length;
    signalling.invite({ callSid: leg, sdp: await mediaOffer(), from: '+966501234567', to: `client:${identity}`, params });
    const answer: SignallingMessage = await signalling.next('answer', (m) => m.payload.callsid === leg, from);
    expect(answer.payload.sdp).toContain('m=audio');
    // Nobody pressed anything: the agent chose Accept on the card, and the call is theirs.
    await expect.poll(() => page.getByTestId('phone').getAttribute('data-status')).toBe('open');
    expect(await page.getByTestId('phone-answer').isVisible()).toBe(false);
    expect(await page.getByTestId('phone').textContent()).toContain('في مكالمة');

    // Twilio's end takes the answer: the agent's microphone reaches it.
    await media.evaluate((sdp) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription({ type: 'answer', sdp }), answer.payload.sdp as string);
    await expect.poll(() => media.evaluate(() => (window as unknown as { pc: RTCPeerConnection }).pc.connectionState), { timeout: 15_000 }).toBe('connected');
    await expect.poll(packetsFromAgent, { timeout: 15_000 }).toBeGreaterThan(0);

    await page.getByTestId('phone-hangup').click();
    await signalling.next('hangup', (m) => m.payload.callsid === leg, from);
    await expect.poll(() => page.getByTestId('phone').isVisible()).toBe(false);
    // The card is untouched by the audio: still the connected call, waiting for Twilio's end of the leg.
    expect(await pop.getAttribute('data-status')).toBe('connected');
  });

  it('rings a call nobody accepted for the agent to answer or decline', async () => {
    // One with no parameters (dialled from elsewhere): Answer takes it, then the caller hangs up.
    const leg = callSid();
    let from = signalling.received.length;
    signalling.invite({ callSid: leg, sdp: await mediaOffer(), from: '+966551112233', to: 'client:client-sara' });
    await expect.poll(() => page.getByTestId('phone').getAttribute('data-status'), { timeout: 10_000 }).toBe('ringing');
    expect(await page.getByTestId('phone').textContent()).toContain('مكالمة واردة');
    expect(await page.getByTestId('phone').textContent()).toContain('+966551112233');
    expect(await page.getByTestId('phone-hangup').isVisible()).toBe(false);
    expect(signalling.received.slice(from).some((m) => m.type === 'answer')).toBe(false);
    await page.getByTestId('phone-answer').click();
    await signalling.next('answer', (m) => m.payload.callsid === leg, from);
    await expect.poll(() => page.getByTestId('phone').getAttribute('data-status')).toBe('open');
    signalling.hangUp(leg);
    await expect.poll(() => page.getByTestId('phone').isVisible()).toBe(false);

    // One naming an offer this page never accepted: it rings too, and Decline refuses it.
    const other = callSid();
    from = signalling.received.length;
    signalling.invite({ callSid: other, sdp: await mediaOffer(), from: '+966551112233', to: 'client:client-sara', params: { reservationId: '00000000-0000-4000-8000-000000000000' } });
    await expect.poll(() => page.getByTestId('phone').getAttribute('data-status'), { timeout: 10_000 }).toBe('ringing');
    await page.getByTestId('phone-decline').click();
    await signalling.next('reject', (m) => m.payload.callsid === other, from);
    await expect.poll(() => page.getByTestId('phone').isVisible()).toBe(false);
    expect(signalling.received.slice(from).some((m) => m.type === 'answer')).toBe(false);
    expect(pageErrors).toEqual([]);
  });

  it('tells an agent whose profile has no Twilio identity that they have no audio, and their desk works as before', async () => {
    await t.services.agents.upsert('agent-omar', { name: 'Omar', skills: { billing: 3 }, languages: ['en'] });
    const omar = await browser.context.newPage();
    const errors: string[] = [];
    omar.on('pageerror', (err) => errors.push(err.message));
    const listened = listens().length;
    await omar.goto(`${server.url}/agent/?token=${encodeURIComponent(t.token('agent', 'agent-omar'))}`);
    await expect.poll(() => omar.getByTestId('audio').getAttribute('data-state')).toBe('no_identity');
    expect(await omar.getByTestId('audio').textContent()).toContain('No audio: no Twilio identity on your profile');
    await omar.getByTestId('status-available').click();
    await expect.poll(() => omar.getByTestId('agent-state').getAttribute('data-state')).toBe('available');
    expect(listens()).toHaveLength(listened);
    expect(errors).toEqual([]);
    await omar.close();
  });
});
