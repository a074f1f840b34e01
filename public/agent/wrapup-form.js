// @ts-check
/**
 * The wrap-up form on an ended call's card: the outcome (the admin's codes for the call's
 * queue, labelled in the page's language), notes and "resolved", sent to
 * POST /api/calls/:id/wrapup. What the agent entered is kept in the card's model (and so in
 * the tab's storage) as they type, and a refused or failed save leaves it as it was.
 */
import { t, lang } from './i18n.js';
import { find as $, node as el } from '../shared/dom.js';

/** The same shape wrap-up checks: with no codes configured the agent types one. */
const CODE = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * @typedef {{ disposition?: string, notes?: string, resolved?: boolean, dirty?: boolean }} WrapUpDraft
 * @typedef {{ code: string, label?: { ar?: string, en?: string } }} Code
 * @typedef {(method: string, path: string, body?: unknown) => Promise<{ ok: boolean, status: number, body: any }>} Api
 */

/** The label key for a refused save. @param {{ status: number, body: any }} res */
function errorKey(res) {
  const field = String(res.body?.error?.message ?? '').split(':')[0];
  switch (res.status) {
    case 0:
      return 'wrapup.error.network';
    case 400:
      return field === 'disposition' ? 'wrapup.error.disposition' : field === 'notes' ? 'wrapup.error.notes' : 'wrapup.error.invalid';
    case 401:
      return 'badToken';
    case 403:
      return 'wrapup.error.forbidden';
    case 404:
      return 'wrapup.error.notFound';
    case 409:
      return 'wrapup.error.conflict';
    default:
      return 'wrapup.error.server';
  }
}

/**
 * @param {HTMLFormElement} form the card's wrap-up form (from the pop template)
 * @param {{ callId: string, queue: string, draft: WrapUpDraft, api: Api, onChange: () => void, onSaved: () => void }} opts
 */
export function createWrapUpForm(form, opts) {
  const select = /** @type {HTMLSelectElement} */ ($(form, '[data-testid="wrapup-disposition"]'));
  const codeInput = /** @type {HTMLInputElement} */ ($(form, '[data-testid="wrapup-code"]'));
  const notes = /** @type {HTMLTextAreaElement} */ ($(form, '[data-testid="wrapup-notes"]'));
  const resolved = /** @type {HTMLInputElement} */ ($(form, '[data-testid="wrapup-resolved"]'));
  const submit = /** @type {HTMLButtonElement} */ ($(form, '[data-testid="wrapup-submit"]'));
  const error = $(form, '[data-testid="wrapup-error"]');
  const draft = opts.draft;
  /** @type {Code[] | undefined} undefined until loaded */
  let codes;
  let loading = false;
  let saving = false;
  /** @type {string | undefined} */
  let errorLabel;

  notes.value = draft.notes ?? '';
  resolved.checked = draft.resolved ?? false;
  codeInput.value = draft.disposition ?? '';

  function render() {
    const free = codes !== undefined && codes.length === 0;
    select.hidden = free;
    codeInput.hidden = !free;
    codeInput.placeholder = t('wrapup.codePlaceholder');
    const chosen = draft.disposition ?? '';
    const placeholder = el('option', '', t(codes === undefined ? (loading ? 'wrapup.loading' : 'wrapup.choose') : 'wrapup.choose'));
    /** @type {HTMLOptionElement} */ (placeholder).value = '';
    const options = (codes ?? []).map((c) => {
      const o = /** @type {HTMLOptionElement} */ (el('option', '', c.label?.[lang()] || c.label?.en || c.code));
      o.value = c.code;
      return o;
    });
    // A code chosen before the list changed stays visible rather than silently becoming "none".
    if (chosen && codes?.length && !codes.some((c) => c.code === chosen)) {
      const o = /** @type {HTMLOptionElement} */ (el('option', '', chosen));
      o.value = chosen;
      options.push(o);
    }
    select.replaceChildren(placeholder, ...options);
    select.value = codes?.length ? chosen : '';
    select.disabled = codes === undefined || saving;
    codeInput.disabled = notes.disabled = resolved.disabled = saving;
    submit.disabled = saving || loading;
    submit.textContent = t(saving ? 'wrapup.saving' : 'wrapup.submit');
    error.hidden = !errorLabel;
    error.textContent = errorLabel ? t(errorLabel) : '';
  }

  /** @param {string | undefined} key */
  function setError(key) {
    errorLabel = key;
    render();
  }

  async function load() {
    if (loading) return;
    loading = true;
    render();
    const query = opts.queue ? `?queue=${encodeURIComponent(opts.queue)}` : '';
    const res = await opts.api('GET', `/api/dispositions${query}`);
    loading = false;
    if (res.ok && Array.isArray(res.body?.codes)) {
      codes = res.body.codes;
      if (errorLabel === 'wrapup.error.load') errorLabel = undefined;
    } else errorLabel = res.status === 401 ? 'badToken' : 'wrapup.error.load';
    render();
  }

  function changed() {
    const free = codes !== undefined && codes.length === 0;
    draft.disposition = (free ? codeInput.value.trim() : select.value) || undefined;
    draft.notes = notes.value;
    draft.resolved = resolved.checked;
    draft.dirty = true;
    // "Choose an outcome" is answered by choosing one; a server's refusal stays until the next save.
    if ((errorLabel === 'wrapup.error.choose' || errorLabel === 'wrapup.error.code') && draft.disposition) setError(undefined);
    opts.onChange();
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (saving) return;
    if (codes === undefined) {
      await load();
      if (codes === undefined) return;
    }
    const disposition = draft.disposition ?? '';
    if (!disposition || (codes.length === 0 && !CODE.test(disposition))) {
      setError(codes.length ? 'wrapup.error.choose' : 'wrapup.error.code');
      (codes.length ? select : codeInput).focus();
      return;
    }
    saving = true;
    setError(undefined);
    const text = notes.value.trim();
    const res = await opts.api('POST', `/api/calls/${encodeURIComponent(opts.callId)}/wrapup`, { disposition, resolved: resolved.checked, ...(text ? { notes: text } : {}) });
    saving = false;
    if (!res.ok) {
      setError(errorKey(res));
      return;
    }
    render();
    opts.onSaved();
  });

  render();
  void load();

  return {
    /** The language changed: the codes' labels follow. */
    relabel: render,
    setError,
  };
}
