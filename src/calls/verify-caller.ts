/**
 * The caller's verification, across webhooks: consent, voice biometrics over the live call
 * audio, the PIN, enrolment, fraud. Decisions are src/biometrics/verify-policy.ts's; this
 * module gathers the facts, records what must be recorded and answers with what the caller
 * hears next. The vendor never holds a caller: it is waited on in short slices, up to the
 * flow's deadline, and anything it cannot answer sends the caller to the PIN.
 */
import type { PinVerdict, VerifyPin } from '../biometrics/verify-pin.js';
import type { ReadPinState } from '../biometrics/pin-state.js';
import { afterConsent, onEntry, onVoiceOutcome, toPin, verdict, type EntryFacts, type FraudReason, type Next } from '../biometrics/verify-policy.js';
import type { VoiceBiometrics, VoiceOutcome } from '../biometrics/voice-types.js';
import type { Watchlist } from '../biometrics/watchlist.js';
import { toAsciiDigits } from '../crm/phone.js';
import type { TFlow, TVerifyNode } from '../ivr/flow-schema.js';
import { matchesAny } from '../ivr/speech.js';
import type { Action, CallerContext, Input, IvrEvent, IvrEventResult, PinReason, Session, Verification, VerifyProgress } from '../ivr/types.js';
import { awaitVerdict, consentAnswerPrompt, consentQuestion, pinQuestion, pinRetry, speakPrompt, type VerifyView } from '../ivr/verify-actions.js';
import { CONSENT_KEYS } from '../ivr/verify-prompts.js';
import type { Logger } from '../logger.js';
import { standingAnswer, type ConsentRegister } from '../privacy/consent-register.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import { createVerdictLog } from './verdict-log.js';

export interface VerifyCallerDeps {
  /** Absent when no vendor is configured: callers are verified by PIN. */
  voice?: VoiceBiometrics;
  consents: Pick<ConsentRegister, 'recordConsent' | 'latestConsents'>;
  verifyPin: VerifyPin;
  pinState: ReadPinState;
  watchlist: Pick<Watchlist, 'isWatchlisted'>;
  timeline: Pick<InteractionRepo, 'record'>;
  bus: Pick<EventBus, 'publish'>;
  logger: Logger;
  now: () => Date;
  /** Longest one webhook waits on the vendor (default 600 ms, inside the 900 ms answer budget). */
  verdictSliceMs?: number;
  /** Net speech per request unless the flow's node says otherwise (VERIFY_SPEECH_SECONDS, ENROL_SPEECH_SECONDS). */
  speechSeconds?: { verify: number; enrol: number };
}

/** The call a service node runs for. */
export interface ServiceCall {
  callId: string;
  customerId: string | null;
  /** The caller's number in E.164, when it is one. */
  from: string | null;
  flow: TFlow;
  caller: CallerContext;
}

export type VerifyAnswer = (
  | { kind: 'ask'; actions: Action[]; events: IvrEvent[]; progress: VerifyProgress }
  | { kind: 'done'; verification: Verification; actions: Action[]; events: IvrEvent[] }
) & {
  /** What the caller's spoken answer says they call about (the node's `intents`). */
  intent?: string;
};

export const DEFAULT_VERDICT_SLICE_MS = 600;
const PURPOSE = 'voice_biometrics' as const;

export function createVerifyCaller(deps: VerifyCallerDeps) {
  const slice = deps.verdictSliceMs ?? DEFAULT_VERDICT_SLICE_MS;
  const verdicts = createVerdictLog(deps);
  const speech = (node: TVerifyNode, kind: 'verify' | 'enrol'): number =>
    kind === 'verify' ? (node.speechSeconds ?? deps.speechSeconds?.verify ?? 10) : (node.enrolSpeechSeconds ?? deps.speechSeconds?.enrol ?? 30);

  function view(call: ServiceCall, session: Session): VerifyView & { node: TVerifyNode } {
    const node = call.flow.nodes[session.nodeId];
    if (node?.type !== 'verify') throw new Error(`node ${session.nodeId} is not a verify node`);
    return { flow: call.flow, nodeId: session.nodeId, node, lang: session.language, caller: call.caller };
  }

  const ev = (v: VerifyView, phase: string, result: IvrEventResult, input?: string): IvrEvent => ({
    type: 'ivr_step',
    nodeId: v.nodeId,
    nodeType: 'verify',
    ...(input !== undefined ? { input } : {}),
    result,
    phase,
    language: v.lang,
  });

  async function consentAnswer(customerId: string): Promise<EntryFacts['consent']> {
    return standingAnswer(await deps.consents.latestConsents(customerId), PURPOSE);
  }

  /** The vendor's view of the speaker; its failure only means no voice this call. */
  async function enrolment(customerId: string): Promise<{ speakerId?: string; enrolled: boolean; available: boolean }> {
    if (!deps.voice) return { enrolled: false, available: false };
    try {
      const e = await deps.voice.enrolment(customerId);
      return { speakerId: e.speakerId, enrolled: e.enrolled, available: true };
    } catch (err) {
      deps.logger.warn({ err }, 'voice enrolment lookup failed: PIN instead');
      return { enrolled: false, available: false };
    }
  }

  async function facts(call: ServiceCall): Promise<EntryFacts> {
    if (!call.customerId) {
      const watchlisted = call.from ? await deps.watchlist.isWatchlisted({ number: call.from }) : false;
      return { known: false, watchlisted, consent: 'none', enrolled: false, voiceAvailable: false, pin: 'not_set' };
    }
    const [consent, pin] = await Promise.all([consentAnswer(call.customerId), deps.pinState(call.customerId)]);
    // The vendor side (and its speaker id) is touched only with a recorded grant.
    const voice = consent === 'granted' ? await enrolment(call.customerId) : { enrolled: false, available: Boolean(deps.voice) };
    const watchlisted = await deps.watchlist.isWatchlisted({ ...(call.from ? { number: call.from } : {}), ...('speakerId' in voice && voice.speakerId ? { speakerId: voice.speakerId } : {}) });
    return { known: true, watchlisted, consent, enrolled: voice.enrolled, voiceAvailable: voice.available, pin };
  }

  /** What the caller hears once the policy has decided (`before`: said first). */
  async function act(call: ServiceCall, v: VerifyView & { node: TVerifyNode }, next: Next, before: Action[], events: IvrEvent[], pinReason?: PinReason): Promise<VerifyAnswer> {
    switch (next.next) {
      case 'done':
        return finish(call, v, next.verification, before, events, { fraud: next.fraud, pinReason });
      case 'consent':
        return { kind: 'ask', actions: [...before, ...consentQuestion(v)], events, progress: { phase: 'consent', attempts: 0 } };
      case 'pin':
        return { kind: 'ask', actions: pinQuestion(v, before), events, progress: { phase: 'pin', attempts: 0, reason: next.reason, enrolAfter: next.enrolAfter } };
      case 'voice': {
        const opened = await openVoice(call, v, 'verify');
        if (!opened) return act(call, v, toPin({ pin: await deps.pinState(call.customerId!) }, 'unavailable', false), before, events);
        return { kind: 'ask', actions: speakPrompt(v, opened.requestId, speech(v.node, 'verify'), before), events: [...events, ev(v, 'speak', 'pending')], progress: { phase: 'speak', requestId: opened.requestId } };
      }
    }
  }

  async function openVoice(call: ServiceCall, v: VerifyView & { node: TVerifyNode }, kind: 'verify' | 'enrol'): Promise<{ requestId: string } | undefined> {
    if (!deps.voice || !call.customerId) return undefined;
    try {
      return await deps.voice.open({
        callId: call.callId,
        customerId: call.customerId,
        kind,
        speechSeconds: speech(v.node, kind),
        source: { kind: 'media_stream' },
      });
    } catch (err) {
      deps.logger.warn({ err, callId: call.callId, kind }, 'voice request could not be opened');
      return undefined;
    }
  }

  async function outcome(requestId: string, waitMs: number): Promise<VoiceOutcome> {
    try {
      return await deps.voice!.outcome(requestId, Math.max(0, waitMs));
    } catch (err) {
      deps.logger.warn({ err }, 'voice outcome failed: PIN instead');
      return { status: 'unavailable', reason: 'vendor_error' };
    }
  }

  /** Records the verdict (timeline; supervisors on fraud) and, after a PIN with consent, starts enrolment. */
  async function finish(
    call: ServiceCall,
    v: VerifyView & { node: TVerifyNode },
    verification: Verification,
    before: Action[],
    events: IvrEvent[],
    opts: { fraud?: FraudReason; pinReason?: PinReason; enrolAfter?: boolean; lockedNow?: boolean } = {},
  ): Promise<VerifyAnswer> {
    const at = deps.now();
    const actions = [...before];
    await verdicts.record({ callId: call.callId, customerId: call.customerId, step: v.nodeId, verification, at, ...opts });
    if (opts.enrolAfter && verification.status === 'verified' && v.node.enrol) {
      const opened = await openVoice(call, v, 'enrol');
      if (opened) {
        actions.push({ type: 'stream_start', requestId: opened.requestId, purpose: 'enrol' });
        events.push(ev(v, 'enrol', 'pending'));
        if (call.customerId) await verdicts.note(call.customerId, call.callId, `enrolment:${call.callId}`, 'voice_enrolment', at, 'Voiceprint enrolment started from this call, after a PIN check, with consent');
      }
    }
    return { kind: 'done', verification, actions, events };
  }

  async function onOutcome(call: ServiceCall, v: VerifyView & { node: TVerifyNode }, o: Exclude<VoiceOutcome, { status: 'pending' }>, before: Action[], events: IvrEvent[]): Promise<VerifyAnswer> {
    const result = o.status === 'result' ? o.result.decision : `unavailable:${o.reason}`;
    events.push(ev(v, 'verdict', 'matched', result));
    const next = onVoiceOutcome(o, { pin: await deps.pinState(call.customerId!) }, v.node);
    return act(call, v, next, before, events, next.next === 'pin' ? next.reason : undefined);
  }

  /** The caller has spoken: stop their stream and take the verdict, or wait for it. */
  async function afterSpeech(call: ServiceCall, v: VerifyView & { node: TVerifyNode }, requestId: string, input: Input): Promise<VerifyAnswer> {
    const o = await outcome(requestId, slice);
    const stop: Action = { type: 'stream_stop', requestId };
    const events = [ev(v, 'speak', 'matched', input.speech ? 'speech' : undefined)];
    if (o.status === 'pending') {
      const until = new Date(deps.now().getTime() + v.node.verdictWaitSeconds * 1000).toISOString();
      return { kind: 'ask', actions: [stop, ...awaitVerdict(v, { firstTime: true })], events: [...events, ev(v, 'verdict', 'pending')], progress: { phase: 'verdict', requestId, until } };
    }
    return onOutcome(call, v, o, [stop], events);
  }

  return {
    /** The caller just reached the verify node. */
    async enter(call: ServiceCall, session: Session): Promise<VerifyAnswer> {
      const v = view(call, session);
      const f = await facts(call);
      const next = onEntry(f, v.node);
      if (next.next === 'consent') return { kind: 'ask', actions: consentQuestion(v), events: [ev(v, 'consent', 'pending')], progress: { phase: 'consent', attempts: 0 } };
      return act(call, v, next, [], [], next.next === 'pin' ? next.reason : undefined);
    },

    /** The caller answered (or a poll came back) in the phase `session.verify` names. */
    async answer(call: ServiceCall, session: Session, input: Input): Promise<VerifyAnswer> {
      const v = view(call, session);
      const p = session.verify;
      if (!p) return this.enter(call, session);
      switch (p.phase) {
        case 'consent': {
          const key = input.digits?.trim();
          if (key === CONSENT_KEYS.agree || key === CONSENT_KEYS.decline) {
            const granted = key === CONSENT_KEYS.agree;
            await deps.consents.recordConsent({ customerId: call.customerId!, purpose: PURPOSE, granted, channel: 'ivr', textVersion: v.node.consent.textVersion, by: `ivr:${call.callId}` });
            const [pin, voice] = await Promise.all([deps.pinState(call.customerId!), granted ? enrolment(call.customerId!) : undefined]);
            const next = voice && !voice.available ? toPin({ pin }, 'unavailable', false) : afterConsent({ pin, enrolled: voice?.enrolled ?? false }, granted, v.node);
            return act(call, v, next, [consentAnswerPrompt(v, granted)], [ev(v, 'consent', 'matched', key)], next.next === 'pin' ? next.reason : undefined);
          }
          const kind = key ? 'invalid' : 'no_input';
          const attempts = p.attempts + 1;
          const events = [ev(v, 'consent', kind, key || undefined)];
          if (attempts < v.node.consent.retries) return { kind: 'ask', actions: consentQuestion(v, kind), events, progress: { ...p, attempts } };
          // No answer is no consent: nothing is recorded, and no voice is used.
          const next = toPin({ pin: await deps.pinState(call.customerId!) }, 'no_consent_answer', false);
          return act(call, v, next, [], events, 'no_consent_answer');
        }
        case 'speak': {
          // The transcript is the provider's speech recognition of the natural prompt; the audio went to the vendor only.
          const intent = input.speech ? v.node.intents?.find((i) => matchesAny(input.speech!, i.speech))?.intent : undefined;
          const answered = await afterSpeech(call, v, p.requestId, input);
          return intent ? { ...answered, intent } : answered;
        }
        case 'verdict': {
          const left = Date.parse(p.until) - deps.now().getTime();
          const o: VoiceOutcome = left > 0 ? await outcome(p.requestId, Math.min(slice, left)) : { status: 'unavailable', reason: 'timeout' };
          if (o.status === 'pending') {
            // Past the flow's deadline after this wait: the vendor has had its chance.
            if (Date.parse(p.until) <= deps.now().getTime()) return onOutcome(call, v, { status: 'unavailable', reason: 'timeout' }, [], []);
            return { kind: 'ask', actions: awaitVerdict(v, { firstTime: false }), events: [ev(v, 'verdict', 'pending')], progress: p };
          }
          return onOutcome(call, v, o, [], []);
        }
        case 'pin': {
          const digits = toAsciiDigits(input.digits ?? '').replace(/[#*]/g, '');
          const attempts = p.attempts + 1;
          const retryOrFail = (kind: 'no_input' | 'invalid', events: IvrEvent[]): Promise<VerifyAnswer> | VerifyAnswer =>
            attempts < v.node.pin.attempts
              ? { kind: 'ask', actions: pinRetry(v, kind), events, progress: { ...p, attempts } }
              : finish(call, v, verdict('failed', { method: 'pin' }), [], events, { pinReason: p.reason });
          if (!digits) return retryOrFail('no_input', [ev(v, 'pin', 'no_input')]);
          // A PIN's digits never leave this function: events, steps and logs see "***".
          const shaped = digits.length >= v.node.pin.minDigits && digits.length <= v.node.pin.maxDigits && /^[0-9]+$/.test(digits);
          const result: PinVerdict | 'malformed' = shaped ? await deps.verifyPin(call.customerId!, digits) : 'malformed';
          switch (result) {
            case 'verified':
              return finish(call, v, verdict('verified', { method: 'pin' }), [], [ev(v, 'pin', 'matched', '***')], { pinReason: p.reason, enrolAfter: p.enrolAfter });
            case 'locked':
              return finish(call, v, verdict('locked', { method: 'pin' }), [], [ev(v, 'pin', 'invalid', '***')], { lockedNow: true });
            case 'not_set':
              return finish(call, v, verdict(p.reason === 'not_enrolled' ? 'not_enrolled' : 'skipped'), [], [ev(v, 'pin', 'invalid', '***')]);
            default:
              return retryOrFail('invalid', [ev(v, 'pin', 'invalid', '***')]);
          }
        }
        default:
          // Another node's progress (a set_pin's) cannot be this node's: start it afresh.
          return this.enter(call, session);
      }
    },
  };
}

export type VerifyCaller = ReturnType<typeof createVerifyCaller>;
