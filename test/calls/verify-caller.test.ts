import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { VoiceBiometrics, VoiceOutcome } from '../../src/biometrics/voice-types.js';
import { settleServices } from '../../src/calls/ivr-services.js';
import { createVerifyCaller, type VerifyCallerDeps } from '../../src/calls/verify-caller.js';
import { startCall } from '../../src/ivr/engine.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { Session } from '../../src/ivr/types.js';

const flowRes = validateFlow({
  name: 'v',
  start: 'verify',
  defaultLanguage: 'en',
  voices: { ar: 'Polly.Zeina', en: 'Polly.Joanna' },
  nodes: { verify: { type: 'verify', verified: 'q', failed: 'q', unverified: 'q', verdictWaitSeconds: 8 }, q: { type: 'queue', queue: 'general' } },
});
if (!flowRes.ok) throw new Error('bad flow');
const flow = flowRes.flow;
const caller = { known: true, name: 'Omar', language: 'en' as const, openComplaint: false };
const call = { callId: 'call-1', customerId: 'cust-1', from: '+966551112233', flow, caller };
const session = (verify?: Session['verify']): Session => ({ flow: 'v', nodeId: 'verify', language: 'en', attempts: 0, path: ['verify'], inputs: {}, ...(verify ? { verify } : {}) });

/** A consenting, enrolled caller with a PIN; the vendor answers what `outcomes` says, in order. */
function setup(outcomes: Array<VoiceOutcome | Error>, over: Partial<VerifyCallerDeps> = {}) {
  const clock = { now: new Date('2026-11-29T07:00:00Z') };
  const waits: number[] = [];
  const voice: VoiceBiometrics = {
    enrolment: async () => ({ speakerId: 'spk-1', enrolled: true }),
    open: async () => ({ requestId: 'req-1' }),
    outcome: async (_id, waitMs) => {
      waits.push(waitMs);
      const next = outcomes.shift() ?? { status: 'pending' };
      if (next instanceof Error) throw next;
      return next;
    },
    forget: async () => ({ speakerId: null, deleted: true }),
  };
  const verify = createVerifyCaller({
    voice,
    consents: { latestConsents: async () => [{ purpose: 'voice_biometrics', granted: true, at: '', channel: 'api', textVersion: 'v1' }], recordConsent: async () => { throw new Error('not asked'); } },
    verifyPin: async () => 'verified',
    pinState: async () => 'ready',
    watchlist: { isWatchlisted: async () => false },
    timeline: { record: async () => ({ item: {} as never, created: true }) },
    bus: { publish: async () => {} },
    logger: pino({ level: 'silent' }),
    now: () => clock.now,
    ...over,
  });
  return { verify, clock, waits };
}

describe('waiting for the vendor without holding the caller', () => {
  it('stops the stream and sends the caller back with a short pause while the verdict is pending, waiting at most 600 ms per webhook', async () => {
    const { verify, waits } = setup([{ status: 'pending' }]);
    const answer = await verify.answer(call, session({ phase: 'speak', requestId: 'req-1' }), { speech: 'my balance' });
    expect(answer).toMatchObject({
      kind: 'ask',
      actions: [{ type: 'stream_stop', requestId: 'req-1' }, { type: 'say', text: 'One moment, please.' }, { type: 'pause', seconds: 1 }, { type: 'redirect' }],
      progress: { phase: 'verdict', requestId: 'req-1', until: '2026-11-29T07:00:08.000Z' },
    });
    expect(waits).toEqual([600]);
  });

  it('polls again (no second hold prompt) until the deadline, never waiting past it', async () => {
    const { verify, clock, waits } = setup([{ status: 'pending' }]);
    clock.now = new Date('2026-11-29T07:00:07.700Z');
    const again = await verify.answer(call, session({ phase: 'verdict', requestId: 'req-1', until: '2026-11-29T07:00:08.000Z' }), {});
    expect(again).toMatchObject({ kind: 'ask', actions: [{ type: 'pause', seconds: 1 }, { type: 'redirect' }] });
    expect(waits).toEqual([300]);
  });

  it('asks for the PIN once the deadline has passed, without asking the vendor again', async () => {
    const { verify, clock, waits } = setup([]);
    clock.now = new Date('2026-11-29T07:00:09Z');
    const pin = await verify.answer(call, session({ phase: 'verdict', requestId: 'req-1', until: '2026-11-29T07:00:08.000Z' }), {});
    expect(pin).toMatchObject({ kind: 'ask', progress: { phase: 'pin', reason: 'unavailable' } });
    expect(pin.actions.at(-1)).toMatchObject({ type: 'gather', input: ['dtmf'], sensitive: true, finishOnKey: '#' });
    expect(waits).toEqual([]);
  });

  it('asks for the PIN when the vendor adapter throws, or a request cannot even be opened', async () => {
    const thrown = setup([new Error('socket hang up')]);
    expect(await thrown.verify.answer(call, session({ phase: 'speak', requestId: 'req-1' }), {})).toMatchObject({ kind: 'ask', progress: { phase: 'pin', reason: 'unavailable' } });
    const down: VoiceBiometrics = {
      enrolment: async () => ({ speakerId: 's', enrolled: true }),
      open: async () => {
        throw new Error('down');
      },
      outcome: async () => ({ status: 'pending' }),
      forget: async () => ({ speakerId: null, deleted: true }),
    };
    const { verify } = setup([], { voice: down });
    const entered = await verify.enter(call, session());
    expect(entered).toMatchObject({ kind: 'ask', progress: { phase: 'pin', reason: 'unavailable' } });
    expect(entered.actions.some((a) => a.type === 'stream_start')).toBe(false);
  });
});

describe('the natural prompt', () => {
  it("takes the call's intent from what the caller said, when the node lists intents", async () => {
    const withIntents = validateFlow({ ...flow, nodes: { ...flow.nodes, verify: { type: 'verify', verified: 'q', failed: 'q', unverified: 'q', intents: [{ intent: 'card_block', speech: ['block my card', 'ايقاف البطاقة'] }, { intent: 'balance', speech: ['balance', 'رصيد'] }] } } });
    if (!withIntents.ok) throw new Error(JSON.stringify(withIntents.errors));
    const match = { status: 'result' as const, result: { requestId: 'req-1', decision: 'match' as const, score: 0.97, spoof: false, fraud: { watchlistHit: false, risk: 0 } } };
    const { verify } = setup([match, match]);
    const here = { ...call, flow: withIntents.flow };
    expect(await verify.answer(here, session({ phase: 'speak', requestId: 'req-1' }), { speech: 'I need to check my Balance please' })).toMatchObject({ kind: 'done', intent: 'balance', verification: { status: 'verified' } });
    expect((await verify.answer(here, session({ phase: 'speak', requestId: 'req-1' }), { speech: 'hello there' })).intent).toBeUndefined();
  });
});

describe('a flow that starts with a verify step', () => {
  it('sends the first webhook straight back: the call has no id to open a request with yet', async () => {
    const step = startCall(flow, caller, { from: call.from }, new Date());
    const { verify } = setup([]);
    const settled = await settleServices({ verify }, { ...call, callId: null }, { from: call.from }, new Date(), step);
    expect(settled.actions).toEqual([{ type: 'redirect' }]);
    expect(settled.session.nodeId).toBe('verify');
  });
});
