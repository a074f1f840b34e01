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
  /** The caller's latest verification verdict in this call (a `verify` node's); flows branch on it. */
  verification?: Verification;
  /** Where the caller is inside the `verify` (or `consent`: its consent phase only) node the session is parked on (src/calls drives it). */
  verify?: VerifyProgress;
};

export type VerificationStatus = 'verified' | 'failed' | 'not_enrolled' | 'locked' | 'skipped';
export type VerificationMethod = 'voice' | 'pin';

/**
 * A verification verdict as the agent's pop shows it (DESIGN.md): only the verdict, never
 * audio, templates or a vendor's payload. `method` is what settled it (absent when nothing
 * ran: an unknown caller, a watchlisted number); `score` only for a voice verdict.
 */
export type Verification = {
  status: VerificationStatus;
  method?: VerificationMethod;
  score?: number;
  risk: { watchlist: boolean; spoofSuspected: boolean };
};

/** Why the caller was sent to the PIN instead of (or after) their voice. */
export type PinReason = 'consent_declined' | 'not_enrolled' | 'no_match' | 'not_enough_speech' | 'unavailable' | 'no_consent_answer';

/**
 * A `verify` node's progress across webhooks. Serializable; holds ids and counters only,
 * never digits or audio.
 */
export type VerifyProgress =
  | { phase: 'consent'; attempts: number }
  | { phase: 'speak'; requestId: string }
  | { phase: 'verdict'; requestId: string; until: string }
  | { phase: 'pin'; attempts: number; reason: PinReason; enrolAfter: boolean }
  /**
   * A `set_pin` node's: the new PIN, then its confirmation. Between the two only a salted
   * slow-KDF hash of the first entry is kept (never its digits); it goes with the phase.
   */
  | { phase: 'new_pin'; attempts: number }
  | { phase: 'confirm_pin'; attempts: number; pending: { hash: string; salt: string; params: { algorithm: 'scrypt'; N: number; r: number; p: number; keylen: number } } };

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
  /** What the caller keys is a secret (a PIN): masked everywhere, never logged, never sent to speech recognition. */
  sensitive?: boolean;
  /** Longest a spoken answer may run (speech gathers). */
  maxSpeechSeconds?: number;
};
/**
 * Fork the caller's audio, live, to our media endpoint for a voice-biometrics request
 * (`requestId`) while the call goes on. Twilio renders `<Start><Stream>`; Amazon Connect
 * starts media streaming instead.
 */
export type StreamStartAction = { type: 'stream_start'; requestId: string; purpose: 'verify' | 'enrol' };
/** Stop the audio fork for `requestId`: the vendor gets what arrived. */
export type StreamStopAction = { type: 'stream_stop'; requestId: string };
/** Nothing for the caller to answer: come straight back to the IVR for its next step (a verdict being awaited). */
export type RedirectAction = { type: 'redirect' };
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
export type Action =
  | SayAction
  | PlayAction
  | GatherAction
  | EnqueueAction
  | HangupAction
  | PauseAction
  | OfferAction
  | StreamStartAction
  | StreamStopAction
  | RedirectAction;

export type IvrEventResult = 'matched' | 'no_input' | 'invalid' | 'fallback' | 'entered' | 'pending' | 'recorded' | VerificationStatus;

/** Analytics/audit event. Never contains the caller's name or a sensitive value. */
export type IvrEvent = {
  type: 'ivr_step';
  nodeId: string;
  nodeType: string;
  /** Raw input for non-sensitive nodes, "***" for sensitive collects and PINs. */
  input?: string;
  /** A `verify` node's sub-phase the event is about (consent, speak, verdict, pin, enrol). */
  phase?: string;
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
  /**
   * The walk stopped at a node that needs the world (a verdict, a consent record): the call
   * layer runs it and feeds the result back with `resume`.
   */
  service?: { nodeId: string; type: ServiceNodeType };
};

export type ServiceNodeType = 'verify' | 'consent_withdraw' | 'consent' | 'set_pin';

/** What the call layer learned at a service node, fed back to the engine. */
export type ServiceResult =
  | { type: 'verify'; verification: Verification }
  | { type: 'consent_withdraw'; recorded: boolean }
  /** A `consent` node's answer: `asked` when the caller answered now (and it was recorded), else a standing one; `skipped` for an unknown caller. */
  | { type: 'consent'; answer: 'granted' | 'declined' | 'skipped' | 'no_answer'; asked: boolean }
  /** A `set_pin` node's end: saved, given up after the retries, or not offered (caller not verified). */
  | { type: 'set_pin'; result: 'changed' | 'failed' | 'not_allowed' };
