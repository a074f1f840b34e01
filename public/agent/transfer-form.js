// @ts-check
/**
 * The Transfer action on a connected call's card: a queue (the registered queues, named in
 * the page's language) or an agent's id, cold or warm, and a note for the next agent, sent to
 * POST /api/calls/:id/transfer. Cold: the caller leaves at once and this agent goes to
 * wrap-up (the presence that follows turns the card into the wrap-up form). Warm: the caller
 * stays until the target accepts; if nobody does, a `transfer_failed` message says so here.
 */
import { t, lang } from './i18n.js';
import { find as $, node as el } from '../shared/dom.js';

/** @typedef {(method: string, path: string, body?: unknown) => Promise<{ ok: boolean, status: number, body: any }>} Api */

/** The label key for a refused transfer. @param {{ status: number, body: any }} res */
function errorKey(res) {
  const field = String(res.body?.error?.message ?? '').split(':')[0];
  switch (res.status) {
    case 0:
      return 'transfer.error.network';
    case 400:
      return field === 'note' ? 'transfer.error.note' : field === 'agentId' ? 'transfer.error.self' : 'transfer.error.invalid';
    case 403:
      return 'transfer.error.forbidden';
    case 404:
      return 'transfer.error.notFound';
    case 409:
      return 'transfer.error.conflict';
    default:
      return 'transfer.error.server';
  }
}

/**
 * @param {HTMLFormElement} form the card's transfer form (from the pop template)
 * @param {{ callId: string, api: Api }} opts
 */
export function createTransferForm(form, opts) {
  const kind = /** @type {HTMLSelectElement} */ ($(form, '[data-testid="transfer-kind"]'));
  const queue = /** @type {HTMLSelectElement} */ ($(form, '[data-testid="transfer-queue"]'));
  const agent = /** @type {HTMLInputElement} */ ($(form, '[data-testid="transfer-agent"]'));
  const note = /** @type {HTMLTextAreaElement} */ ($(form, '[data-testid="transfer-note"]'));
  const submit = /** @type {HTMLButtonElement} */ ($(form, '[data-testid="transfer-submit"]'));
  const message = $(form, '[data-testid="transfer-message"]');
  /** @type {Array<{ name: string, displayName?: Record<string, string> }>} */
  let queues = [];
  let sending = false;
  /** @type {{ key: string, vars?: Record<string, string>, error: boolean } | undefined} */
  let shown;

  function show(/** @type {typeof shown} */ m) {
    shown = m;
    message.hidden = !m;
    message.textContent = m ? t(m.key, m.vars) : '';
    message.setAttribute('role', m?.error ? 'alert' : 'status');
    message.dataset.kind = m?.error ? 'error' : 'info';
  }

  function fillQueues() {
    const chosen = queue.value;
    queue.replaceChildren(
      ...queues.map((q) => {
        const o = el('option', '', q.displayName?.[lang()] || q.name);
        o.value = q.name;
        return o;
      }),
    );
    if (chosen) queue.value = chosen;
  }

  function render() {
    queue.hidden = kind.value !== 'queue';
    agent.hidden = kind.value !== 'agent';
    submit.disabled = sending;
    submit.textContent = t(sending ? 'transfer.sending' : 'transfer.submit');
  }

  async function load() {
    const res = await opts.api('GET', '/api/routing/queues');
    if (res.ok && Array.isArray(res.body?.items)) {
      queues = res.body.items;
      fillQueues();
    }
  }

  kind.addEventListener('change', render);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (sending) return;
    const target = kind.value === 'agent' ? { agentId: agent.value.trim() } : { queue: queue.value };
    if (!('queue' in target ? target.queue : target.agentId)) return show({ key: 'transfer.error.target', error: true });
    const mode = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="mode"]:checked'))?.value ?? 'cold';
    const body = { ...target, mode, ...(note.value.trim() ? { note: note.value.trim() } : {}) };
    sending = true;
    show(undefined);
    render();
    const res = await opts.api('POST', `/api/calls/${encodeURIComponent(opts.callId)}/transfer`, body);
    sending = false;
    render();
    if (!res.ok) return show({ key: errorKey(res), error: true });
    const to = res.body?.to?.queue ?? res.body?.to?.agentId ?? '';
    show(res.body?.status === 'offered' ? { key: 'transfer.offered', vars: { to }, error: false } : { key: 'transfer.done', vars: { to }, error: false });
  });

  render();
  void load();

  return {
    /** The warm transfer fell through: the caller is still here. @param {{ reason?: string, to?: string }} m */
    failed(m) {
      show({ key: `transfer.failed.${m.reason === 'rejected' ? 'rejected' : m.reason === 'timeout' ? 'timeout' : 'other'}`, vars: { to: String(m.to ?? '') }, error: true });
    },
    relabel() {
      for (const node of form.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n') ?? '');
      fillQueues();
      render();
      if (shown) show(shown);
    },
  };
}
