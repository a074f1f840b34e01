import { describe, expect, it } from 'vitest';
import { advance, resume, startCall } from '../../src/ivr/engine.js';
import type { TFlowInput } from '../../src/ivr/flow-schema.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { CallerContext } from '../../src/ivr/types.js';

const NOON = new Date('2025-06-15T09:00:00Z');
const call = { from: '+966501234567' };
const caller: CallerContext = { known: true, name: 'Omar', language: 'en', openComplaint: false };
const say = (en: string) => ({ ar: 'نص', en });

function flow(consent: Record<string, unknown> = {}) {
  const def = {
    name: 'cf',
    start: 'menu',
    defaultLanguage: 'en',
    voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
    nodes: {
      menu: { type: 'menu', prompt: say('Press 5 for recordings.'), options: [{ digit: '5', next: 'ask' }], fallback: 'agent' },
      ask: { type: 'consent', purpose: 'call_recording', prompt: say('May we record? 1 yes, 2 no.'), textVersion: 'v1', granted: 'yes', declined: 'no', ...consent },
      yes: { type: 'say', prompt: say('Recorded yes.'), next: 'agent' },
      no: { type: 'say', prompt: say('Recorded no.'), next: 'agent' },
      anon: { type: 'say', prompt: say('Unknown caller.'), next: 'agent' },
      agent: { type: 'queue', queue: 'general' },
    },
  } satisfies TFlowInput;
  const res = validateFlow(def);
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.flow;
}

const atConsent = (f = flow()) => advance(f, startCall(f, caller, call, NOON).session, { digits: '5' }, caller, call, NOON);
const said = (step: { actions: Array<{ type: string; text?: string }> }) => step.actions.flatMap((a) => (a.type === 'say' ? [a.text] : []));

describe('the consent node in the engine', () => {
  it('parks on the node for the call layer, with its keys defaulting to 1 and 2', () => {
    const f = flow();
    const parked = atConsent(f);
    expect(parked.service).toEqual({ nodeId: 'ask', type: 'consent' });
    expect(parked.actions).toEqual([]);
    expect(f.nodes.ask).toMatchObject({ agreeKey: '1', declineKey: '2', retries: 2, timeoutSeconds: 5 });
  });

  it('branches on the answer, and sends an unknown caller to declined when there is no skip branch', () => {
    const parked = atConsent();
    const go = (answer: 'granted' | 'declined' | 'skipped' | 'no_answer', f = flow()) => said(resume(f, parked.session, { type: 'consent', answer, asked: true }, caller, call, NOON));
    expect(go('granted')).toEqual(['Recorded yes.']);
    expect(go('declined')).toEqual(['Recorded no.']);
    expect(go('no_answer')).toEqual(['Recorded no.']);
    expect(go('skipped')).toEqual(['Recorded no.']);
    expect(go('skipped', flow({ skip: 'anon' }))).toEqual(['Unknown caller.']);
  });

  it('records in the IVR events whether the answer was given now, standing, or skipped', () => {
    const parked = atConsent();
    const ev = (answer: 'granted' | 'skipped', asked: boolean) => resume(flow(), parked.session, { type: 'consent', answer, asked }, caller, call, NOON).events[0];
    expect(ev('granted', true)).toMatchObject({ nodeId: 'ask', nodeType: 'consent', result: 'recorded', input: 'granted' });
    expect(ev('granted', false)).toMatchObject({ result: 'matched', input: 'granted' });
    expect(ev('skipped', false)).toMatchObject({ result: 'skipped' });
  });
});
