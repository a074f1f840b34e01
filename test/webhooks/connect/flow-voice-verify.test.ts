import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBiometricsVendor, type FakeVendor } from '../../helpers/fake-biometrics-vendor.js';
import { createConnectTestApp, INSTANCE_ARN, type ConnectTestApp } from './connect-test-app.js';

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

function verifyEvent(contactId: string, from: string, audio: boolean) {
  return {
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        Attributes: {},
        Channel: 'VOICE',
        ContactId: contactId,
        CustomerEndpoint: { Address: from, Type: 'TELEPHONE_NUMBER' },
        InitialContactId: contactId,
        InstanceARN: INSTANCE_ARN,
        SystemEndpoint: { Address: '+966920000000', Type: 'TELEPHONE_NUMBER' },
        MediaStreams: { Customer: { Audio: audio ? { StartFragmentNumber: FRAGMENT, StartTimestamp: '1565361604434', StreamARN: STREAM } : null } },
      },
      Parameters: { action: 'verify' },
    },
  };
}

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
