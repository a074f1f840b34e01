import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBiometricsVendor, type FakeVendor } from '../../helpers/fake-biometrics-vendor.js';
import { flowEvent } from './connect-events.js';
import { createConnectTestApp, type ConnectTestApp } from './connect-test-app.js';

const SECRET = 'connect-vendor-secret-0123456789';
const STREAM = 'arn:aws:kinesisvideo:eu-central-1:123456789012:stream/connect-contact-audio/1565272947806';
const FRAGMENT = '91343852333181432392682062607743920146264440798';

let t: ConnectTestApp;
let vendor: FakeVendor;
beforeAll(async () => {
  // The vendor checks signatures against the app's clock (a fixed test time).
  vendor = await startFakeBiometricsVendor({ secret: SECRET, now: () => t.clock.now });
  t = await createConnectTestApp({ biometrics: { vendorUrl: vendor.url, webhookSecret: SECRET, deadlineMs: 3000 } });
  // Noura consented and enrolled her voice on an earlier call (through Connect's audio too).
  await t.services.consents.recordConsent({ customerId: 'c-noura', purpose: 'voice_biometrics', granted: true, channel: 'ivr', textVersion: 'v1', by: 'test' });
  const voice = t.services.biometrics.voice;
  const { requestId } = await voice.open({ callId: 'earlier-call', customerId: 'c-noura', kind: 'enrol', speechSeconds: 30, source: { kind: 'kvs', streamArn: STREAM, startFragmentNumber: '1' } });
  expect(await voice.outcome(requestId, 3000)).toMatchObject({ status: 'result' });
});
afterAll(async () => {
  await t.close();
  await vendor.close();
});

const verifyEvent = (contactId: string, from: string, audio: boolean, consent?: 'granted' | 'declined') =>
  flowEvent(contactId, 'verify', consent ? { consent, consentTextVersion: 'vb-connect-1' } : {}, from, audio ? { StartFragmentNumber: FRAGMENT, StartTimestamp: '1565361604434', StreamARN: STREAM } : null);

describe('Connect flow: verify by voice from the contact\'s Kinesis Video Stream', () => {
  it('a consenting, enrolled customer is verified by voice; the vendor got the stream and its start fragment, never audio; a retry asks the vendor nothing more', async () => {
    const contactId = '0000e001-3333-4444-8555-666677778888';
    const answer = await t.connect.flow(verifyEvent(contactId, '+966501234567', true));
    expect(answer).toMatchObject({ known: 'true', verification: 'verified', degraded: 'false' });
    const verifications = vendor.requests.filter((r) => r.method === 'POST' && r.path === '/verifications');
    expect(verifications).toHaveLength(1);
    expect(verifications[0]!.signatureValid).toBe(true);
    expect((verifications[0]!.body as { audio: unknown }).audio).toEqual({ kvsStreamArn: STREAM, startFragmentNumber: FRAGMENT });
    expect(await t.connect.flow(verifyEvent(contactId, '+966501234567', true))).toEqual(answer);
    expect(vendor.requests.filter((r) => r.path === '/verifications')).toHaveLength(1);
  });

  it('without media streaming the flow is told to ask for the PIN; a watchlisted number fails closed before the vendor is asked', async () => {
    expect(await t.connect.flow(verifyEvent('0000e002-3333-4444-8555-666677778888', '+966501234567', false))).toMatchObject({ verification: 'skipped' });
    await t.services.biometrics.watchlist.add({ kind: 'number', value: '+966501234567', reason: 'test: reported stolen' }, 'test');
    const before = vendor.requests.length;
    expect(await t.connect.flow(verifyEvent('0000e003-3333-4444-8555-666677778888', '+966501234567', true))).toMatchObject({ verification: 'failed' });
    expect(vendor.requests.length).toBe(before);
  });
});

describe('Connect flow: the consent question, asked once', () => {
  // Omar has a voiceprint at the vendor (enrolled through another channel) but was never asked in a flow.
  const OMAR = '+966551112233';
  beforeAll(async () => {
    const { requestId } = await t.services.biometrics.voice.open({ callId: 'omar-earlier', customerId: 'c-omar', kind: 'enrol', speechSeconds: 30, source: { kind: 'kvs', streamArn: STREAM, startFragmentNumber: '1' } });
    expect(await t.services.biometrics.voice.outcome(requestId, 3000)).toMatchObject({ status: 'result' });
  });
  const verifications = () => vendor.requests.filter((r) => r.method === 'POST' && r.path === '/verifications').length;
  const consentEntries = () => t.db.prisma.interaction.findMany({ where: { customerId: 'c-omar', type: 'consent' } });

  it('a caller never asked: the flow is told to ask (nothing recorded, no audio sent); verified by voice with the grant; the grant is in the register and on the timeline; the next call is not asked again', async () => {
    const contactId = '0000e101-3333-4444-8555-666677778888';
    const before = verifications();
    expect(await t.connect.flow(verifyEvent(contactId, OMAR, true))).toMatchObject({ known: 'true', verification: 'consent_required', degraded: 'false' });
    expect(verifications()).toBe(before);
    expect(await t.services.consents.latestConsents('c-omar')).toEqual([]);

    const answered = verifyEvent(contactId, OMAR, true, 'granted');
    const answer = await t.connect.flow(answered);
    expect(answer).toMatchObject({ verification: 'verified', degraded: 'false' });
    expect(verifications()).toBe(before + 1);
    expect(await t.services.consents.latestConsents('c-omar')).toEqual([expect.objectContaining({ purpose: 'voice_biometrics', granted: true, channel: 'ivr', textVersion: 'vb-connect-1' })]);
    expect((await consentEntries()).map((e) => e.summary)).toEqual(['Consent to voice biometrics granted (ivr, text vb-connect-1)']);

    // Connect retries the invocation: the same answer, no second register entry, no second vendor request.
    expect(await t.connect.flow(answered)).toEqual(answer);
    expect(await consentEntries()).toHaveLength(1);
    expect(verifications()).toBe(before + 1);

    // A later call goes straight to the voice check.
    expect(await t.connect.flow(verifyEvent('0000e102-3333-4444-8555-666677778888', OMAR, true))).toMatchObject({ verification: 'verified' });
    expect(verifications()).toBe(before + 2);
  });

  it('declining: recorded as the caller\'s answer, the flow asks for the PIN, no audio is sent, and later calls are not asked again', async () => {
    const before = verifications();
    expect(await t.connect.flow(verifyEvent('0000e103-3333-4444-8555-666677778888', OMAR, true, 'declined'))).toMatchObject({ verification: 'skipped' });
    expect(await t.services.consents.latestConsents('c-omar')).toEqual([expect.objectContaining({ granted: false, channel: 'ivr', textVersion: 'vb-connect-1' })]);
    expect(await t.connect.flow(verifyEvent('0000e104-3333-4444-8555-666677778888', OMAR, true))).toMatchObject({ verification: 'skipped' });
    expect(verifications()).toBe(before);
    // The PIN step then verifies them.
    const pin = verifyEvent('0000e104-3333-4444-8555-666677778888', OMAR, false);
    pin.Details.Parameters = { action: 'pin', pin: '9876' } as never;
    expect(await t.connect.flow(pin)).toMatchObject({ verification: 'verified' });
  });
});
