import { describe, expect, it } from 'vitest';
import { advance, resume, startCall } from '../../src/ivr/engine.js';
import type { TFlowInput } from '../../src/ivr/flow-schema.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { CallerContext, Verification } from '../../src/ivr/types.js';

const NOON = new Date('2025-06-15T09:00:00Z');
const call = { from: '+966501234567' };
const known: CallerContext = { known: true, name: 'Omar', language: 'en', openComplaint: false };
const none = { watchlist: false, spoofSuspected: false };

const say = (en: string) => ({ ar: 'نص', en });

function flow(over: Record<string, unknown> = {}) {
  const def = {
    name: 'vf',
    start: 'menu',
    defaultLanguage: 'en',
    voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
    nodes: {
      menu: { type: 'menu', prompt: say('Press 4 for your balance, 9 to stop voice checks.'), options: [{ digit: '4', next: 'verify' }, { digit: '9', next: 'optout' }], fallback: 'agent' },
      verify: { type: 'verify', verified: 'balance', failed: 'agent', unverified: 'agent', ...over },
      balance: { type: 'branch', cases: [{ when: 'verification.status == "verified" && verification.method == "voice"', next: 'by_voice' }], else: 'by_pin' },
      by_voice: { type: 'say', prompt: say('Voice balance.'), next: 'agent' },
      by_pin: { type: 'say', prompt: say('PIN balance.'), next: 'agent' },
      optout: { type: 'consent_withdraw', next: 'menu_again' },
      menu_again: { type: 'say', prompt: say('Back to the menu.'), next: 'agent' },
      agent: { type: 'queue', queue: 'general' },
    },
  } satisfies TFlowInput;
  const res = validateFlow(def);
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.flow;
}

function atVerify(f = flow()) {
  const s0 = startCall(f, known, call, NOON);
  return advance(f, s0.session, { digits: '4' }, known, call, NOON);
}

const v = (status: Verification['status'], method?: Verification['method']): Verification => ({ status, ...(method ? { method } : {}), risk: none });

describe('verify node', () => {
  it('applies the documented defaults: acceptance 0.90, consent wording with a version, a PIN of 4-8 digits', () => {
    const node = flow().nodes.verify;
    expect(node).toMatchObject({ type: 'verify', acceptance: 0.9, onNoMatch: 'pin', enrol: true, consent: { textVersion: 'vb-ivr-1' }, pin: { attempts: 3, minDigits: 4, maxDigits: 8 } });
    if (node?.type !== 'verify') throw new Error('not a verify node');
    expect(node.prompt.en).toMatch(/in a few words why you are calling/);
    expect(node.consent.prompt.ar).toMatch(/للموافقة اضغط 1/);
    expect(node.consent.prompt.en).toMatch(/press 1.*press 2/i);
  });

  it('parks the walk on the node for the call layer, with nothing asked yet', () => {
    const step = atVerify();
    expect(step.service).toEqual({ nodeId: 'verify', type: 'verify' });
    expect(step.session).toMatchObject({ nodeId: 'verify', path: ['menu', 'verify'] });
    expect(step.actions.some((a) => a.type === 'gather')).toBe(false);
    expect(step.outcome).toBeUndefined();
  });

  it('branches on the verdict and lets branch CEL read verification.status and method', () => {
    const parked = atVerify().session;
    const byVoice = resume(flow(), parked, { type: 'verify', verification: v('verified', 'voice') }, known, call, NOON);
    expect(byVoice.actions[0]).toMatchObject({ type: 'say', text: 'Voice balance.' });
    expect(byVoice.session.verification).toEqual(v('verified', 'voice'));
    expect(byVoice.outcome).toEqual({ type: 'queue', queue: 'general' });
    const byPin = resume(flow(), parked, { type: 'verify', verification: v('verified', 'pin') }, known, call, NOON);
    expect(byPin.actions[0]).toMatchObject({ type: 'say', text: 'PIN balance.' });
  });

  it.each([
    ['failed', 'agent'],
    ['locked', 'agent'],
    ['skipped', 'agent'],
    ['not_enrolled', 'agent'],
  ] as const)('sends %s away from the sensitive branch', (status, queueNode) => {
    const step = resume(flow(), atVerify().session, { type: 'verify', verification: v(status, 'pin') }, known, call, NOON);
    expect(step.session.path).toEqual(['menu', 'verify', queueNode]);
    expect(step.events[0]).toMatchObject({ nodeId: 'verify', nodeType: 'verify', result: status });
  });

  it('takes the locked branch when the flow has one', () => {
    const f = flow({ locked: 'menu_again' });
    const step = resume(f, atVerify(f).session, { type: 'verify', verification: v('locked', 'pin') }, known, call, NOON);
    expect(step.actions[0]).toMatchObject({ text: 'Back to the menu.' });
  });

  it('says the withdrawal confirmation, or the unknown-caller text, and walks on', () => {
    const s0 = startCall(flow(), known, call, NOON);
    const parked = advance(flow(), s0.session, { digits: '9' }, known, call, NOON);
    expect(parked.service).toEqual({ nodeId: 'optout', type: 'consent_withdraw' });
    const done = resume(flow(), parked.session, { type: 'consent_withdraw', recorded: true }, known, call, NOON);
    expect(done.actions[0]).toMatchObject({ type: 'say', text: expect.stringMatching(/voiceprint will be deleted/) });
    const unknown = resume(flow(), parked.session, { type: 'consent_withdraw', recorded: false }, known, call, NOON);
    expect(unknown.actions[0]).toMatchObject({ text: expect.stringMatching(/could not find your account/) });
  });

  it('hangs up rather than resume a node of another kind', () => {
    const step = resume(flow(), atVerify().session, { type: 'consent_withdraw', recorded: true }, known, call, NOON);
    expect(step.outcome).toEqual({ type: 'hangup' });
  });

  it('refuses a flow whose verify branches loop back without asking the caller anything', () => {
    const res = validateFlow({
      name: 'loop',
      start: 'v',
      defaultLanguage: 'en',
      voices: { ar: 'a', en: 'b' },
      nodes: { v: { type: 'verify', verified: 'q', failed: 'v', unverified: 'q' }, q: { type: 'queue', queue: 'general' } },
    });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors[0]?.message).toMatch(/non-interactive loop/);
  });

  it('names the field of a bad verify node: unknown branch target, threshold out of range, PIN bounds', () => {
    const res = validateFlow({
      name: 'bad',
      start: 'v',
      defaultLanguage: 'en',
      voices: { ar: 'a', en: 'b' },
      nodes: { v: { type: 'verify', acceptance: 1.5, pin: { minDigits: 8, maxDigits: 4 }, verified: 'q', failed: 'q', unverified: 'q' }, q: { type: 'queue', queue: 'general' } },
    });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['nodes.v.acceptance', 'nodes.v.pin.minDigits']));
    const dangling = validateFlow({
      name: 'bad',
      start: 'v',
      defaultLanguage: 'en',
      voices: { ar: 'a', en: 'b' },
      nodes: { v: { type: 'verify', verified: 'nowhere', failed: 'q', unverified: 'q' }, q: { type: 'queue', queue: 'general' } },
    });
    expect(dangling.ok).toBe(false);
    if (!dangling.ok) expect(dangling.errors).toEqual([{ path: 'nodes.v.verified', message: "unknown node 'nowhere'" }]);
  });
});
