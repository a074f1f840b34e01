import { describe, expect, it } from 'vitest';
import { queueWaitPrompts } from '../../../src/calls/queue-wait.js';
import { renderTwiml } from '../../../webhooks/twilio/render-twiml.js';

const urls = { offers: { callback: 'https://cc.example.test/webhooks/twilio/queue-callback' } };

describe('queue-wait TwiML', () => {
  it('sends the callback key to the callback URL, and lets silence fall through to the hold', () => {
    const twiml = renderTwiml(queueWaitPrompts({ language: 'en', position: 2, estimatedWaitSeconds: 90, offerCallback: true }), urls);
    expect(twiml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Say voice="Polly.Joanna">You are number 2 in the queue. Your estimated wait is about 2 minutes.</Say>' +
        '<Gather action="https://cc.example.test/webhooks/twilio/queue-callback" method="POST" input="dtmf" numDigits="1" timeout="5">' +
        '<Say voice="Polly.Joanna">To be called back instead of waiting, press 1. You will keep your place in the queue.</Say></Gather>' +
        '<Pause length="15"/></Response>',
    );
  });

  it('refuses to render an offer it has no URL for rather than send the caller\'s key nowhere', () => {
    expect(() => renderTwiml(queueWaitPrompts({ language: 'ar', position: 1, estimatedWaitSeconds: 60, offerCallback: true }))).toThrow(/callback offer/);
  });
});
