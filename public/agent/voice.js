// @ts-check
/**
 * The softphone's audio: a Twilio Voice SDK Device registered under the agent's Twilio
 * client identity with the token of GET /api/voice/token, renewed before it runs out. A call
 * Twilio rings here is answered by itself when it is the one the agent accepted in the page
 * (the dial names the reservation, or a callback's call, as <Parameter>s: the SDK's
 * customParameters); any other rings for the agent to answer or decline. A server without a
 * voice setup (503) leaves the page as it was without audio: nothing else depends on this.
 */

const SDK_URL = '/agent/vendor/twilio.min.js';
/** Ask for the next token this long before the current one runs out (the SDK's tokenWillExpire). */
const TOKEN_REFRESH_MS = 60_000;
/** A token request that found no server, or a server in trouble, is tried again after this. */
const RETRY_MS = 15_000;

/**
 * @typedef {'off' | 'registering' | 'registered' | 'unconfigured' | 'no_identity' | 'error'} AudioState
 * @typedef {{ status: 'ringing' | 'connecting' | 'open', auto: boolean, from: string }} CallView
 * @typedef {{ state: AudioState, detail?: string, call: CallView | null }} VoiceView
 * @typedef {{ reservationId?: string, callId?: string }} CallRef
 */

/** @type {Promise<any> | undefined} */
let sdk;

/** The SDK as a classic script, once per page and only when there is a token to use it with. */
function loadSdk() {
  sdk ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = SDK_URL;
    script.onload = () => resolve(/** @type {any} */ (globalThis).Twilio);
    script.onerror = () => {
      sdk = undefined;
      script.remove();
      reject(new Error('the Twilio Voice SDK did not load'));
    };
    document.head.append(script);
  });
  return sdk;
}

/**
 * @param {{
 *   api: (method: string, path: string, body?: unknown) => Promise<{ ok: boolean, status: number, body: any }>,
 *   accepted: (ref: CallRef) => boolean,
 *   onChange: (view: VoiceView) => void,
 *   notify: (text: string) => void,
 * }} deps
 */
export function createVoice(deps) {
  /** @type {VoiceView} */
  const view = { state: 'off', call: null };
  /** @type {any} */
  let device;
  /** @type {any} */
  let current;
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry;

  /** @param {AudioState} state @param {string} [detail] */
  function setState(state, detail) {
    if (stopped) return;
    view.state = state;
    view.detail = detail;
    deps.onChange(view);
  }

  /** @param {CallView | null} call */
  function setCall(call) {
    if (stopped) return;
    view.call = call;
    deps.onChange(view);
  }

  async function fetchToken() {
    const res = await deps.api('GET', '/api/voice/token');
    if (res.ok && typeof res.body?.token === 'string') return /** @type {{ token: string, identity: string, expiresAt: string, signallingHost?: string }} */ (res.body);
    const code = res.body?.error?.code;
    const err = Object.assign(new Error(res.body?.error?.message || `HTTP ${res.status}`), { status: res.status, code });
    throw err;
  }

  async function start() {
    clearTimeout(retry);
    setState('registering');
    let answer;
    try {
      answer = await fetchToken();
    } catch (err) {
      if (stopped) return;
      const e = /** @type {{ status?: number, code?: string, message: string }} */ (err);
      if (e.code === 'VOICE_NOT_CONFIGURED') return setState('unconfigured');
      if (e.code === 'NO_VOICE_IDENTITY') return setState('no_identity');
      setState('error', e.message);
      // No answer or a server in trouble: try again; a refusal (401, 403, 404) stays shown.
      if (!e.status || e.status >= 500) retry = setTimeout(start, RETRY_MS);
      return;
    }
    if (stopped) return;
    let Twilio;
    try {
      Twilio = await loadSdk();
    } catch (err) {
      if (!stopped) setState('error', /** @type {Error} */ (err).message);
      return;
    }
    if (stopped) return;
    try {
      device = new Twilio.Device(answer.token, {
        codecPreferences: ['opus', 'pcmu'],
        tokenRefreshMs: TOKEN_REFRESH_MS,
        // Leaving the page ends the call: the browser asks first.
        closeProtection: true,
        logLevel: 'error',
        // The test hook (README "Audio in the browser"): a stand-in for Twilio's signalling gateway.
        ...(answer.signallingHost ? { chunderw: answer.signallingHost } : {}),
      });
      device.on('registering', () => setState('registering'));
      device.on('registered', () => setState('registered'));
      device.on('unregistered', () => setState('registering'));
      device.on('error', (/** @type {{ code?: number, message?: string }} */ err) => {
        const text = err?.code ? `${err.code} ${err.message ?? ''}`.trim() : (err?.message ?? '');
        // A call's trouble (no microphone…) while still registered is told, not shown as the state.
        if (device?.state === 'registered') deps.notify(text);
        else setState('error', text);
      });
      device.on('tokenWillExpire', renew);
      device.on('incoming', onIncoming);
      await device.register();
    } catch (err) {
      // A browser without WebRTC, a token the gateway refused.
      setState('error', /** @type {Error} */ (err).message);
    }
  }

  /** The token runs out soon: the next one replaces it on the same Device (no re-registration). */
  async function renew() {
    try {
      const answer = await fetchToken();
      if (stopped || !device) return;
      device.updateToken(answer.token);
      if (device.state === 'registered') setState('registered');
    } catch (err) {
      if (stopped) return;
      setState('error', /** @type {Error} */ (err).message);
      retry = setTimeout(renew, RETRY_MS);
    }
  }

  /** @param {any} call */
  function onIncoming(call) {
    /** @type {Map<string, string>} */
    const params = call.customParameters ?? new Map();
    const ref = { reservationId: params.get('reservationId') ?? undefined, callId: params.get('callId') ?? undefined };
    const auto = (ref.reservationId !== undefined || ref.callId !== undefined) && deps.accepted(ref);
    current = call;
    const from = String(call.parameters?.From ?? '');
    const done = () => {
      if (current !== call) return;
      current = undefined;
      setCall(null);
    };
    call.on('accept', () => {
      if (current === call) setCall({ status: 'open', auto, from });
    });
    call.on('disconnect', done);
    call.on('cancel', done);
    call.on('reject', done);
    call.on('error', () => {
      if (call.status() === 'closed') done();
    });
    // The agent already chose Accept on the card: no second click.
    setCall({ status: auto ? 'connecting' : 'ringing', auto, from });
    if (auto) call.accept();
  }

  return {
    start,
    /** Answers the call ringing here. */
    answer() {
      if (!current || view.call?.status !== 'ringing') return;
      setCall({ ...view.call, status: 'connecting' });
      current.accept();
    },
    /** Declines the call ringing here (Twilio tries the dial's next step). */
    decline() {
      if (current && view.call?.status === 'ringing') current.reject();
    },
    /** Ends the call in progress. */
    hangUp() {
      current?.disconnect();
    },
    /** Signing out: no audio, no registration left behind. */
    stop() {
      stopped = true;
      clearTimeout(retry);
      current = undefined;
      device?.destroy();
      device = undefined;
      view.state = 'off';
      view.call = null;
    },
  };
}
