import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

const VOICE = { apiKey: 'SK0123456789abcdef0123456789abcdef', apiSecret: 'voice-api-secret', twimlAppSid: 'AP0123456789abcdef0123456789abcdef' };
const SDK = readFileSync(path.join(import.meta.dirname, '../../node_modules/@twilio/voice-sdk/dist/twilio.min.js'), 'utf8');

let t: TestApp;
let hooked: TestApp;
beforeAll(async () => {
  t = await createTestApp({ publishDemoFlow: false });
  hooked = await createTestApp({ publishDemoFlow: false, twilioVoice: { ...VOICE, signallingHost: '127.0.0.1:8443' } });
});
afterAll(async () => {
  await t?.close();
  await hooked?.close();
});

/** The policy's directives by name. */
function policy(header: string | undefined): Record<string, string[]> {
  return Object.fromEntries((header ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe('the softphone page /agent/', () => {
  it("serves the pinned Twilio Voice SDK from the app, that one file and nothing else of node_modules", async () => {
    const res = await request(t.app).get('/agent/vendor/twilio.min.js').expect(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.text).toBe(SDK);
    expect(res.text).toContain('Twilio.Device');
    for (const other of ['/agent/vendor/twilio.js', '/agent/vendor/', '/agent/vendor/../../node_modules/@twilio/voice-sdk/package.json', '/agent/vendor/%2e%2e/%2e%2e/package.json']) {
      const refused = await request(t.app).get(other);
      expect(refused.status, other).toBe(404);
      expect(refused.text).not.toContain('"name": "@twilio/voice-sdk"');
    }
  });

  it("lets the page reach only its own origin and Twilio's signalling, event gateway and ringtones", async () => {
    const res = await request(t.app).get('/agent/').expect(200);
    expect(res.text).toContain('<title>Agent softphone</title>');
    const csp = policy(res.headers['content-security-policy']);
    expect(csp['connect-src']).toEqual(["'self'", 'wss://*.twilio.com', 'https://*.twilio.com']);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['media-src']).toEqual(["'self'", 'https://sdk.twilio.com']);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    // The same policy for the page by its file name.
    expect((await request(t.app).get('/agent/index.html').expect(200)).headers['content-security-policy']).toBe(res.headers['content-security-policy']);
  });

  it("with the signalling test hook set, lets the page reach that stand-in instead of Twilio's gateway", async () => {
    const csp = policy((await request(hooked.app).get('/agent/').expect(200)).headers['content-security-policy']);
    expect(csp['connect-src']).toEqual(["'self'", 'wss://127.0.0.1:8443', 'https://*.twilio.com']);
  });
});
