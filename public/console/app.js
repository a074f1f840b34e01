// @ts-check
/**
 * The supervisor console: sign-in, the live socket, the wallboard and the routing-rules
 * admin, in Arabic (right to left) or English.
 */
import { useToken } from './api.js';
import { isLang, lang, setLang, t } from './i18n.js';
import { createLive } from './live.js';
import { createRulesAdmin } from './rules.js';
import { session } from './session.js';
import { createWallboard } from './wallboard.js';
import { byId, CONNECTION_LABELS, find, onSignIn, takeFromUrl, toast as showToast } from '../shared/dom.js';
import { initialLang } from '../shared/i18n.js';
import { checkToken } from '../shared/session.js';

const ui = {
  signin: byId('signin'),
  form: /** @type {HTMLFormElement} */ (byId('signin-form')),
  token: /** @type {HTMLInputElement} */ (byId('token')),
  signinError: byId('signin-error'),
  signOut: byId('sign-out'),
  langToggle: byId('lang-toggle'),
  tabs: byId('tabs'),
  tabWallboard: byId('tab-wallboard'),
  tabRules: byId('tab-rules'),
  wallboard: byId('wallboard'),
  rules: byId('rules'),
  connection: find(document, '[data-testid="connection"]'),
  connectionText: find(document, '[data-field="connection-text"]'),
  toasts: byId('toasts'),
};

/**
 * @type {{
 *   live?: ReturnType<typeof createLive>,
 *   wallboard?: ReturnType<typeof createWallboard>,
 *   rules?: ReturnType<typeof createRulesAdmin>,
 *   conn: import('./live.js').ConnState,
 *   tab: 'wallboard' | 'rules',
 * }}
 */
const app = { conn: 'closed', tab: 'wallboard' };

/** @param {string} text */
function toast(text) {
  showToast(ui.toasts, text);
}

function renderConnection() {
  ui.connection.dataset.state = app.conn;
  ui.connectionText.textContent = t(CONNECTION_LABELS[app.conn]);
}

/** @param {'wallboard' | 'rules'} tab */
function showTab(tab) {
  app.tab = tab;
  ui.wallboard.hidden = tab !== 'wallboard';
  ui.rules.hidden = tab !== 'rules';
  ui.tabWallboard.setAttribute('aria-selected', String(tab === 'wallboard'));
  ui.tabRules.setAttribute('aria-selected', String(tab === 'rules'));
  if (location.hash !== `#${tab}`) history.replaceState(history.state, '', `#${tab}`);
}

/** @param {string} [error] */
function showSignIn(error) {
  ui.wallboard.hidden = true;
  ui.rules.hidden = true;
  ui.tabs.hidden = true;
  ui.signOut.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.hidden = !error;
  ui.signinError.textContent = error ?? '';
  app.conn = 'closed';
  renderConnection();
  ui.token.focus();
}

function stop() {
  app.live?.close();
  app.wallboard?.destroy();
  app.rules?.destroy();
  app.live = app.wallboard = app.rules = undefined;
  useToken(undefined);
}

function refused() {
  session.setToken(null);
  stop();
  showSignIn(t('badToken'));
}

/** @param {string} token */
function start(token) {
  const { claims, problem } = checkToken(token);
  if (!claims) {
    session.setToken(null);
    return showSignIn(t(problem));
  }
  if (claims.role !== 'supervisor' && claims.role !== 'admin') {
    session.setToken(null);
    return showSignIn(t('badToken'));
  }
  useToken(token, refused);
  ui.signin.hidden = true;
  ui.tabs.hidden = false;
  ui.signOut.hidden = false;
  app.wallboard = createWallboard(ui.wallboard);
  app.rules = createRulesAdmin(ui.rules, { role: claims.role, toast });
  showTab(location.hash === '#rules' ? 'rules' : 'wallboard');
  void app.rules.load();
  app.live = createLive({
    token,
    onMessage: (m) => app.wallboard?.onMessage(m),
    onState(state) {
      app.conn = state;
      renderConnection();
    },
    onAuthFailure: refused,
  });
}

/** @param {import('./i18n.js').Lang} next */
function applyLang(next) {
  setLang(next);
  document.title = t('appTitle');
  renderConnection();
  app.wallboard?.relabel();
  app.rules?.relabel();
}

onSignIn(ui.form, ui.token, (token) => {
  session.setToken(token);
  start(token);
});
ui.signOut.addEventListener('click', () => {
  stop();
  session.setToken(null);
  showSignIn();
});
ui.langToggle.addEventListener('click', () => {
  const next = lang() === 'ar' ? 'en' : 'ar';
  session.setLang(next);
  applyLang(next);
});
ui.tabWallboard.addEventListener('click', () => showTab('wallboard'));
ui.tabRules.addEventListener('click', () => showTab('rules'));

// Boot: the language (?lang= for a wallboard screen, then this browser's choice), then a token
// from the address bar (removed at once) or the one kept from last time.
const asked = takeFromUrl(['token', 'lang']);
if (isLang(asked.lang)) session.setLang(asked.lang);
applyLang(initialLang(session.lang()));
if (asked.token) session.setToken(asked.token.trim());
const token = session.token();
if (token) start(token);
else showSignIn();
