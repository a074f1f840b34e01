/**
 * Provider-neutral engine types. Adapters (Twilio TwiML, Amazon Connect, ...)
 * translate `Action`s into their own verbs; the engine never knows which one.
 */

export type Lang = 'ar' | 'en';

export type CallerContext = {
  known: boolean;
  name?: string;
  language?: Lang;
  tier?: string;
  openComplaint: boolean;
  accountValue?: number;
};

export type CallInfo = { from: string };

/** Serializable per-call state; store it between webhook requests. */
export type Session = {
  flow: string;
  /** The interactive node awaiting input (or the terminal node once finished). */
  nodeId: string;
  language: Lang;
  /** Failed attempts at the current interactive node. */
  attempts: number;
  /** Interactive and terminal node ids visited, in order (re-prompts not repeated). */
  path: string[];
  /** Collected inputs by name; sensitive ones are stored as "***". */
  inputs: Record<string, string>;
  /** Last matched menu intent (option.intent ?? option.next). */
  intent?: string;
};

/** Caller input for the current interactive node. No digits and no speech = timeout. */
export type Input = { digits?: string; speech?: string; confidence?: number };

export type SayAction = { type: 'say'; text: string; language: Lang; voice: string };
export type PlayAction = { type: 'play'; url: string };
export type GatherAction = {
  type: 'gather';
  nodeId: string;
  input: ('dtmf' | 'speech')[];
  numDigits?: number;
  finishOnKey?: string;
  timeoutSeconds: number;
  hints?: string[];
  speechLanguage: string;
  prompt: Array<SayAction | PlayAction>;
};
export type EnqueueAction = { type: 'enqueue'; queue: string };
export type HangupAction = { type: 'hangup' };
/** Silence (or the provider's hold), e.g. between queue announcements. */
export type PauseAction = { type: 'pause'; seconds: number };
/** What a caller may be offered outside a flow; each adapter knows where its answer goes. */
export type OfferKind = 'callback';
/**
 * A one-key offer made outside the IVR flow (the callback offer while waiting). The
 * adapter sends the key pressed to its own handler for `offer`; silence is no answer, and
 * the caller simply hears the next action.
 */
export type OfferAction = {
  type: 'offer';
  offer: OfferKind;
  numDigits: number;
  timeoutSeconds: number;
  prompt: Array<SayAction | PlayAction>;
};
export type Action = SayAction | PlayAction | GatherAction | EnqueueAction | HangupAction | PauseAction | OfferAction;

export type IvrEventResult = 'matched' | 'no_input' | 'invalid' | 'fallback' | 'entered';

/** Analytics/audit event. Never contains the caller's name or a sensitive value. */
export type IvrEvent = {
  type: 'ivr_step';
  nodeId: string;
  nodeType: string;
  /** Raw input for non-sensitive nodes, "***" for sensitive collects. */
  input?: string;
  result: IvrEventResult;
  language: Lang;
};

export type Outcome = { type: 'queue'; queue: string } | { type: 'hangup' };

export type Step = {
  session: Session;
  actions: Action[];
  events: IvrEvent[];
  outcome?: Outcome;
  /** Set when a collect node accepted input; `value` is raw even if sensitive (for verification only — do not log). */
  collected?: { name: string; value: string; sensitive: boolean };
};
