import { describe, expect, it } from 'vitest';
import { advance, resume, startCall } from '../../src/ivr/engine.js';
import type { TFlowInput } from '../../src/ivr/flow-schema.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { CallerContext } from '../../src/ivr/types.js';

const NOON = new Date('2025-06-15T09:00:00Z');
const call = { from: '+966501234567' };
const caller: CallerContext = { known: true, name: 'Omar', language: 'en', openComplaint: false };
const say = (en: string) => ({ ar: 'نص', en });

const def = {
  name: 'sp',
  start: 'menu',
  defaultLanguage: 'en',
  voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
  nodes: {
    menu: { type: 'menu', prompt: say('Press 4 to change your PIN.'), options: [{ digit: '4', next: 'check' }, { digit: '9', next: 'change' }], fallback: 'agent' },
    check: { type: 'verify', verified: 'change', failed: 'agent', unverified: 'agent' },
    change: { type: 'set_pin', done: 'agent', failed: 'sorry', notAllowed: 'first' },
    sorry: { type: 'say', prompt: say('Not changed.'), next: 'agent' },
    first: { type: 'say', prompt: say('Verify first.'), next: 'agent' },
    agent: { type: 'queue', queue: 'general' },
  },
} satisfies TFlowInput;

function flow() {
  const res = validateFlow(def);
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.flow;
}

const said = (step: { actions: Array<{ type: string; text?: string }> }) => step.actions.flatMap((a) => (a.type === 'say' ? [a.text] : []));

describe('the set_pin node in the engine', () => {
  it('parks on the node for the call layer, with retries defaulting to 2 and the wording to the bilingual defaults', () => {
    const f = flow();
    const parked = advance(f, startCall(f, caller, call, NOON).session, { digits: '9' }, caller, call, NOON);
    expect(parked.service).toEqual({ nodeId: 'change', type: 'set_pin' });
    expect(parked.actions).toEqual([]);
    expect(f.nodes.change).toMatchObject({ retries: 2, timeoutSeconds: 8, prompt: { en: 'Please enter your new PIN, 4 to 8 digits, followed by the hash key.' } });
  });

  it('says the change and goes on to done, or takes failed or notAllowed without it', () => {
    const f = flow();
    const parked = advance(f, startCall(f, caller, call, NOON).session, { digits: '9' }, caller, call, NOON);
    const go = (result: 'changed' | 'failed' | 'not_allowed') => resume(f, parked.session, { type: 'set_pin', result }, caller, call, NOON);
    expect(said(go('changed'))).toEqual(['Your PIN has been changed.']);
    expect(go('changed').outcome).toEqual({ type: 'queue', queue: 'general' });
    expect(said(go('failed'))).toEqual(['Not changed.']);
    expect(said(go('not_allowed'))).toEqual(['Verify first.']);
    expect(go('not_allowed').events[0]).toMatchObject({ nodeId: 'change', nodeType: 'set_pin', result: 'skipped', input: 'not_allowed' });
  });

  it('refuses a loop through set_pin alone: an unverified caller would pass it without a word', () => {
    const looped = structuredClone(def) as any;
    looped.nodes.change.notAllowed = 'change';
    const res = validateFlow(looped);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.errors).toContainEqual({ path: 'nodes.change', message: 'non-interactive loop: change -> change' });
  });
});
