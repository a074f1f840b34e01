/**
 * A `set_pin` node across webhooks: a caller verified in this call keys a new PIN twice;
 * it is saved through the same `setPin` as the API (same hashing, same 4-8 digit rule, and
 * it lifts a lock-out) and noted on the customer's timeline, without its digits. Between the
 * two entries the session keeps only a salted slow-KDF hash of the first one.
 */
import { hashPin, pinMatches, type PinKdfParams } from '../biometrics/pin-kdf.js';
import type { SetPin } from '../biometrics/set-pin.js';
import { toAsciiDigits } from '../crm/phone.js';
import { AppError } from '../errors.js';
import { askConfirmPin, askNewPin, type SetPinMiss, type SetPinView } from '../ivr/set-pin-actions.js';
import { PIN_DIGITS } from '../ivr/set-pin-prompts.js';
import type { Action, Input, IvrEvent, IvrEventResult, Session, VerifyProgress } from '../ivr/types.js';
import type { Logger } from '../logger.js';
import type { InteractionRepo } from '../timeline/interaction-repo.js';
import type { ServiceCall } from './verify-caller.js';

export interface ChangePinDeps {
  setPin: SetPin;
  timeline: Pick<InteractionRepo, 'record'>;
  logger: Logger;
  now: () => Date;
  /** Cost of the hash kept between the two entries (the PIN store's default unless set). */
  kdf?: PinKdfParams;
}

export type ChangePinAnswer =
  | { kind: 'ask'; actions: Action[]; events: IvrEvent[]; progress: VerifyProgress }
  | { kind: 'done'; result: 'changed' | 'failed' | 'not_allowed'; events: IvrEvent[] };

const MASK = '***';

export function createChangePin(deps: ChangePinDeps) {
  function view(call: ServiceCall, session: Session): SetPinView {
    const node = call.flow.nodes[session.nodeId];
    if (node?.type !== 'set_pin') throw new Error(`node ${session.nodeId} is not a set_pin node`);
    return { flow: call.flow, nodeId: session.nodeId, node, lang: session.language, caller: call.caller };
  }

  const ev = (v: SetPinView, phase: 'new' | 'confirm', result: IvrEventResult, input?: string): IvrEvent => ({
    type: 'ivr_step',
    nodeId: v.nodeId,
    nodeType: 'set_pin',
    ...(input !== undefined ? { input } : {}),
    result,
    phase,
    language: v.lang,
  });

  /** A miss: ask for the new PIN again, from the start, until the node's retries are used up. */
  function miss(v: SetPinView, attempts: number, why: SetPinMiss, events: IvrEvent[]): ChangePinAnswer {
    if (attempts < v.node.retries) return { kind: 'ask', actions: askNewPin(v, why), events, progress: { phase: 'new_pin', attempts } };
    return { kind: 'done', result: 'failed', events };
  }

  /** ASCII digits without the `#` that ended them, if they are a PIN the API would take. */
  function shaped(input: Input): { digits: string } | 'none' | 'invalid' {
    const digits = toAsciiDigits(input.digits ?? '').replace(/#/g, '');
    if (!digits) return 'none';
    return /^[0-9]+$/.test(digits) && digits.length >= PIN_DIGITS.min && digits.length <= PIN_DIGITS.max ? { digits } : 'invalid';
  }

  async function save(call: ServiceCall, v: SetPinView, digits: string, events: IvrEvent[]): Promise<ChangePinAnswer> {
    try {
      await deps.setPin(call.customerId!, digits);
    } catch (err) {
      // Erased while on the line: nobody's PIN to change.
      if (err instanceof AppError && err.code === 'NOT_FOUND') return { kind: 'done', result: 'failed', events };
      throw err;
    }
    try {
      await deps.timeline.record({
        idempotencyKey: `pin-changed:${call.callId}:${v.nodeId}`,
        customerId: call.customerId,
        phoneE164: null,
        channel: 'voice',
        type: 'pin_changed',
        at: deps.now(),
        summary: 'PIN changed by the verified caller in the IVR',
      });
    } catch (err) {
      // The PIN is changed either way; the caller is not told of our bookkeeping.
      deps.logger.error({ err, callId: call.callId }, 'pin_changed timeline entry not written');
    }
    return { kind: 'done', result: 'changed', events };
  }

  return {
    /** The caller just reached the node: only a caller verified in this call is asked. */
    enter(call: ServiceCall, session: Session): ChangePinAnswer {
      const v = view(call, session);
      if (!call.customerId || session.verification?.status !== 'verified') return { kind: 'done', result: 'not_allowed', events: [] };
      return { kind: 'ask', actions: askNewPin(v), events: [ev(v, 'new', 'pending')], progress: { phase: 'new_pin', attempts: 0 } };
    },

    /** The caller keyed something (or nothing) at the phase `session.verify` names. */
    async answer(call: ServiceCall, session: Session, input: Input): Promise<ChangePinAnswer> {
      const p = session.verify;
      if (p?.phase !== 'new_pin' && p?.phase !== 'confirm_pin') return this.enter(call, session);
      if (!call.customerId || session.verification?.status !== 'verified') return { kind: 'done', result: 'not_allowed', events: [] };
      const v = view(call, session);
      const phase = p.phase === 'new_pin' ? 'new' : 'confirm';
      const entry = shaped(input);
      // The digits never leave this function: events, steps, session and logs see "***".
      if (entry === 'none') return miss(v, p.attempts + 1, 'no_input', [ev(v, phase, 'no_input')]);
      if (entry === 'invalid') return miss(v, p.attempts + 1, 'invalid', [ev(v, phase, 'invalid', MASK)]);
      if (p.phase === 'new_pin') {
        const pending = await hashPin(entry.digits, deps.kdf);
        return { kind: 'ask', actions: askConfirmPin(v), events: [ev(v, 'new', 'matched', MASK)], progress: { phase: 'confirm_pin', attempts: p.attempts, pending } };
      }
      if (!(await pinMatches(entry.digits, p.pending))) return miss(v, p.attempts + 1, 'mismatch', [ev(v, 'confirm', 'invalid', MASK)]);
      return save(call, v, entry.digits, [ev(v, 'confirm', 'matched', MASK)]);
    },
  };
}

export type ChangePin = ReturnType<typeof createChangePin>;
