// @ts-check
/**
 * The console keeps its token in localStorage: a wallboard runs for days on a screen nobody
 * signs in to again. Sign-out forgets it.
 */
import { createStore } from '../shared/session.js';

const store = createStore(() => localStorage, 'console');

export const session = {
  token: store.token,
  setToken: store.setToken,
  lang: store.lang,
  setLang: store.setLang,
};
