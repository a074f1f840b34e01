// @ts-check
/**
 * The agent softphone page: sign-in, the connection to the hub, the agent's state
 * controls, the routing of server messages to the call cards, and the audio (voice.js).
 */
import { api } from './api.js';
import { createAudioBar } from './audio-bar.js';
import { createCards } from './cards.js';
import { createConnection } from './connection.js';
import { clock } from './format.js';
import { has, isLang, lang, setLang, t } from './i18n.js';
import { session } from './session.js';
import { createVoice } from './voice.js';
import { byId, CONNECTION_LABELS, find, onSignIn, takeFromUrl, toast as showToast } from '../shared/dom.js';
import { initialLang } from '../shared/i18n.js';
import { checkToken } from '../shared/session.js';

/** @param {string} sel */
const one = (sel) => find(document, sel);

const ui = {
  signin: byId('signin'),
  form: /** @type {HTMLFormElement} */ (byId('signin-form')),
  token: /** @type {HTMLInputElement} */ (byId('token')),
  signinError: byId('signin-error'),
  desk: byId('desk'),
  signOut: byId('sign-out'),
  langToggle: byId('lang-toggle'),
  connection: one('[data-testid="connection"]'),
  connectionText: one('[data-field="connection-text"]'),
  agentName: byId('agent-name'),
  state: one('[data-testid="agent-state"]'),
  awayReason: /** @type {HTMLSelectElement} */ (byId('away-reason')),
  wrapUp: byId('wrapup-done'),
  pops: byId('pops'),
  idle: byId('idle'),
  toasts: byId('toasts'),
  audio: one('[data-testid="audio"]'),
  phone: byId('phone'),
};

/**
 * @typedef {{ id?: string, name?: string, languages?: string[], state?: string, stateReason?: string | null }} AgentInfo
 * @type {{
 *   agent?: string,
 *   conn?: ReturnType<typeof createConnection>,
 *   connState: import('./connection.js').ConnState,
 *   retryInMs?: number,
 *   info: AgentInfo,
 *   presenceSeq: number,
 *   cards?: ReturnType<typeof createCards>,
 *   voice?: ReturnType<typeof createVoice>,
 * }}
 */
const app = { connState: 'closed', info: {}, presenceSeq: 0 };

const audioBar = createAudioBar({
  status: ui.audio,
  bar: ui.phone,
  onAnswer: () => app.voice?.answer(),
  onDecline: () => app.voice?.decline(),
  onHangUp: () => app.voice?.hangUp(),
});

/** A short message that goes away by itself. @param {string} text */
function toast(text) {
  showToast(ui.toasts, text);
}

function baseTitle() {
  return app.info.name ? `${app.info.name} · ${t('appTitle')}` : t('appTitle');
}

function renderConnection() {
  ui.connection.dataset.state = app.connState;
  const key = CONNECTION_LABELS[app.connState];
  ui.connectionText.textContent =
    app.connState === 'reconnecting' && app.retryInMs ? t('conn.reconnectingIn', { s: Math.max(1, Math.round(app.retryInMs / 1000)) }) : t(key);
}

function renderAgent() {
  const { name, state, stateReason } = app.info;
  ui.agentName.textContent = name ?? app.agent ?? '';
  const s = state ?? 'unknown';
  ui.state.dataset.state = s;
  const reason = s === 'away' && stateReason ? (has(`reason.${stateReason}`) ? t(`reason.${stateReason}`) : stateReason) : '';
  ui.state.textContent = [t(has(`state.${s}`) ? `state.${s}` : 'state.unknown'), reason].filter(Boolean).join(' · ');
  for (const btn of document.querySelectorAll('.state-btn')) {
    btn.setAttribute('aria-pressed', String(btn.getAttribute('data-status') === s));
  }
  ui.wrapUp.hidden = s !== 'wrap_up';
  if (!document.title.startsWith('📞')) document.title = baseTitle();
}

/** @param {string | undefined} state @param {string | null | undefined} reason */
function setAgentState(state, reason) {
  if (!state) return;
  app.info = { ...app.info, state, stateReason: reason ?? null };
  renderAgent();
  app.cards?.onAgentState(state);
}

/** @param {import('./connection.js').ServerMessage} msg */
function onMessage(msg) {
  const m = /** @type {Record<string, any>} */ (msg);
  // Offers expire on the server's clock; replays (pending: true) carry old times.
  if (typeof m.seq === 'number' && !m.pending && clock.observe(m.at) && app.agent && clock.offset !== undefined) {
    session.setClockOffset(app.agent, clock.offset);
  }
  switch (m.type) {
    case 'hello': {
      app.info = { ...(m.agent ?? {}) };
      app.presenceSeq = typeof m.lastSeq === 'number' ? m.lastSeq : 0;
      // The agent's first language sets the UI, unless they picked one on this tab.
      const first = app.info.languages?.[0];
      if (!session.lang() && isLang(first) && first !== lang()) applyLang(first);
      renderAgent();
      app.cards?.reconcile(app.info.state ?? '');
      return;
    }
    case 'screen_pop':
      app.cards?.onPop(m);
      return;
    case 'reservation':
      app.cards?.onReservation(m);
      return;
    case 'transfer_failed':
      app.cards?.onTransferFailed(m);
      return;
    case 'presence':
      // A replay older than the state hello reported must not roll it back.
      if (typeof m.seq === 'number' && m.seq < app.presenceSeq) return;
      if (typeof m.seq === 'number') app.presenceSeq = m.seq;
      setAgentState(m.state, m.reason);
      return;
    case 'result':
      if (m.for === 'accept' || m.for === 'reject') {
        if (!app.cards?.onResult(m)) toast(m.error?.message || t('error.generic'));
      } else if (!m.ok) toast(m.error?.message || t('error.generic'));
      else if (m.for === 'status' && typeof m.state === 'string') setAgentState(m.state, m.state === 'away' ? ui.awayReason.value : null);
      else if (m.for === 'wrapup_done' && typeof m.state === 'string') setAgentState(m.state, null);
      return;
    case 'error':
      toast(typeof m.message === 'string' ? m.message : t('error.generic'));
      return;
  }
}

/** @param {Record<string, unknown>} msg */
function send(msg) {
  const sent = app.conn?.send(msg) ?? false;
  if (!sent) toast(t('notConnected'));
  return sent;
}

/** @param {string} [error] */
function showSignIn(error) {
  ui.desk.hidden = true;
  ui.signOut.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.hidden = !error;
  ui.signinError.textContent = error ?? '';
  app.connState = 'closed';
  renderConnection();
  ui.token.focus();
}

function stop() {
  app.voice?.stop();
  app.voice = undefined;
  audioBar.clear();
  app.conn?.close();
  app.conn = undefined;
  app.cards?.destroy();
  app.cards = undefined;
  app.info = {};
  clock.offset = undefined;
  document.title = t('appTitle');
}

/** @param {string} token */
function start(token) {
  const { claims, problem } = checkToken(token);
  if (!claims) {
    session.setToken(null);
    showSignIn(t(problem));
    return;
  }
  const agent = claims.sub;
  app.agent = agent;
  app.info = { id: agent };
  clock.offset = session.clockOffset(agent);
  ui.signin.hidden = true;
  ui.desk.hidden = false;
  ui.signOut.hidden = false;
  renderAgent();
  app.cards = createCards({
    agent,
    container: ui.pops,
    idle: ui.idle,
    send,
    online: () => app.connState === 'connected',
    baseTitle,
    agentState: () => app.info.state ?? '',
  });
  app.conn = createConnection({
    token,
    agent,
    onMessage,
    onState(state, retryInMs) {
      app.connState = state;
      app.retryInMs = retryInMs;
      renderConnection();
      app.cards?.refresh();
    },
    onAuthFailure() {
      session.setToken(null);
      stop();
      showSignIn(t('badToken'));
    },
  });
  // Audio is an addition: without it (no voice setup, no identity, an error) the desk works as before.
  const cards = app.cards;
  app.voice = createVoice({ api, accepted: (ref) => cards.accepted(ref), onChange: (view) => audioBar.render(view), notify: toast });
  void app.voice.start();
}

/** @param {import('./i18n.js').Lang} next */
function applyLang(next) {
  setLang(next);
  renderConnection();
  renderAgent();
  app.cards?.relabel();
  audioBar.relabel();
}

onSignIn(ui.form, ui.token, (token) => {
  session.setToken(token);
  start(token);
});

ui.signOut.addEventListener('click', () => {
  // Signing out while available would leave offers ringing at an empty desk.
  if (app.info.state === 'available' || app.info.state === 'away') app.conn?.send({ type: 'status', status: 'offline' });
  const agent = app.agent;
  stop();
  session.clear(agent);
  app.agent = undefined;
  showSignIn();
});

ui.langToggle.addEventListener('click', () => {
  const next = lang() === 'ar' ? 'en' : 'ar';
  session.setLang(next);
  applyLang(next);
});

for (const btn of document.querySelectorAll('.state-btn')) {
  btn.addEventListener('click', () => {
    const status = btn.getAttribute('data-status');
    send(status === 'away' ? { type: 'status', status, reason: ui.awayReason.value } : { type: 'status', status });
  });
}
ui.awayReason.addEventListener('change', () => {
  if (app.info.state === 'away') send({ type: 'status', status: 'away', reason: ui.awayReason.value });
});
ui.wrapUp.addEventListener('click', () => send({ type: 'wrapup_done' }));

// Boot: language, then a token from the address bar (removed at once) or this tab's session.
applyLang(initialLang(session.lang()));
const fromUrl = takeFromUrl(['token']).token;
if (fromUrl) session.setToken(fromUrl.trim());
const token = session.token();
if (token) start(token);
else showSignIn();
