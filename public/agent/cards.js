// @ts-check
/**
 * The open offers and the active call, keyed by reservation id: what the pops, the
 * reservation updates and the agent's state do to them, the countdown tick, and the
 * flashing tab title while an offer waits. A pop without a reservation is a call the
 * provider (Amazon Connect) already connected in its own softphone: keyed by call, no
 * offer, closed by the agent or by the next pop, never by our agent state (the CCP keeps that).
 * An ended call's card holds the wrap-up form; a card with an unsaved wrap-up outlives the
 * wrap-up time (the agent may be made available before they finish typing).
 */
import { api } from './api.js';
import { clock } from './format.js';
import { t } from './i18n.js';
import { createCard, effectiveStatus, refill, update } from './pop-card.js';
import { session } from './session.js';
import { createWrapUpForm } from './wrapup-form.js';
import { createTransferForm } from './transfer-form.js';
import { find } from '../shared/dom.js';

/** @typedef {import('./pop-card.js').CardModel} CardModel */
/** @typedef {import('./pop-card.js').CardStatus} CardStatus */

const TERMINAL_LINGER_MS = 20_000;
const DEFAULT_TIMEOUT_S = 15;

/**
 * @param {{
 *   agent: string,
 *   container: HTMLElement,
 *   idle: HTMLElement,
 *   send: (msg: Record<string, unknown>) => boolean,
 *   online: () => boolean,
 *   baseTitle: () => string,
 *   agentState: () => string,
 * }} deps
 */
export function createCards(deps) {
  /** @type {Map<string, { model: CardModel, el: HTMLElement, lingerTimer?: ReturnType<typeof setTimeout>, wrapUp?: ReturnType<typeof createWrapUpForm>, transfer?: ReturnType<typeof createTransferForm> }>} */
  const cards = new Map();
  /** Outcomes that arrived before their pop (or after it was closed). @type {Map<string, string>} */
  const outcomes = new Map();
  let flash = false;

  function persist() {
    const open = [...cards.values()]
      .map((c) => c.model)
      .filter((m) => ['pending', 'connecting', 'connected', 'wrap_up', 'provider_connected'].includes(m.status))
      .map((m) => ({ ...m, status: m.status === 'connecting' ? 'pending' : m.status, error: undefined }));
    session.setCards(deps.agent, open);
  }

  /** @param {string} rid */
  function render(rid) {
    const c = cards.get(rid);
    if (c) {
      update(c.el, c.model, { now: Date.now(), online: deps.online() });
      showTransfer(rid);
      showWrapUp(rid);
    }
    deps.idle.hidden = cards.size > 0;
  }

  /** A connected call of ours (not Amazon Connect's: its CCP transfers) offers the Transfer action. @param {string} rid */
  function showTransfer(rid) {
    const c = cards.get(rid);
    const callId = c?.model.pop.call?.id;
    if (!c || !callId) return;
    const form = /** @type {HTMLFormElement} */ (find(c.el, '[data-testid="transfer-form"]'));
    form.hidden = c.model.status !== 'connected' || c.model.pop.call?.provider === 'connect';
    if (!form.hidden && !c.transfer) c.transfer = createTransferForm(form, { callId, api });
  }

  /** An ended call of ours gets the wrap-up form (a provider-connected one never reaches wrap_up). @param {string} rid */
  function showWrapUp(rid) {
    const c = cards.get(rid);
    const callId = c?.model.pop.call?.id;
    if (!c || c.wrapUp || c.model.status !== 'wrap_up' || !callId) return;
    const form = /** @type {HTMLFormElement} */ (find(c.el, '[data-testid="wrapup-form"]'));
    form.hidden = false;
    c.model.wrapUp ??= {};
    c.wrapUp = createWrapUpForm(form, { callId, queue: c.model.pop.call?.queue ?? '', draft: c.model.wrapUp, api, onChange: persist, onSaved: () => finishWrapUp(rid) });
  }

  /** Saved: the agent's wrap-up time is over too (the old "Finish wrap-up" button's message). @param {string} rid */
  function finishWrapUp(rid) {
    const c = cards.get(rid);
    if (!c) return;
    if (deps.agentState() === 'wrap_up' && !deps.send({ type: 'wrapup_done' })) {
      c.wrapUp?.setError('wrapup.error.notConnected');
      return;
    }
    remove(rid);
  }

  /** @param {string} rid */
  function remove(rid) {
    const c = cards.get(rid);
    if (!c) return;
    clearTimeout(c.lingerTimer);
    c.el.remove();
    cards.delete(rid);
    deps.idle.hidden = cards.size > 0;
    persist();
  }

  /** @param {string} rid @param {CardStatus} status */
  function setStatus(rid, status) {
    const c = cards.get(rid);
    if (!c) return;
    c.model.status = status;
    if (status !== 'pending') c.model.error = undefined;
    if (status === 'cancelled' || status === 'timeout' || status === 'rejected') {
      clearTimeout(c.lingerTimer);
      c.lingerTimer = setTimeout(() => remove(rid), TERMINAL_LINGER_MS);
    }
    render(rid);
    persist();
  }

  /** @param {CardModel} model @param {boolean} focus */
  function mount(model, focus) {
    const el = createCard(model);
    el.addEventListener('click', (ev) => {
      const target = ev.target instanceof Element ? ev.target.closest('button') : null;
      if (!target) return;
      if (target.matches('[data-testid="pop-accept"]')) act(model.rid, 'accept');
      else if (target.matches('[data-testid="pop-reject"]')) act(model.rid, 'reject');
      else if (target.matches('[data-field="dismiss"]')) remove(model.rid);
    });
    deps.container.prepend(el);
    cards.set(model.rid, { model, el });
    render(model.rid);
    const accept = el.querySelector('button[data-testid="pop-accept"]');
    if (focus && model.status === 'pending' && accept instanceof HTMLButtonElement) accept.focus();
  }

  /** @param {string} rid @param {'accept' | 'reject'} action */
  function act(rid, action) {
    const c = cards.get(rid);
    if (!c || effectiveStatus(c.model, Date.now()) !== 'pending') return;
    if (!deps.send({ type: action, reservationId: rid })) {
      c.model.error = t('notConnected');
      render(rid);
      return;
    }
    c.model.error = undefined;
    setStatus(rid, 'connecting');
  }

  /** The next pop came: a provider-connected call shown before it is over for this desk. @param {string} keep */
  function closeProviderConnected(keep) {
    for (const [rid, c] of [...cards]) if (rid !== keep && c.model.status === 'provider_connected') remove(rid);
  }

  /** @param {Record<string, any>} pop */
  function onPop(pop) {
    const offer = pop.reservation?.id ?? pop.call?.reservationId;
    const rid = offer ? String(offer) : `call:${pop.call?.id ?? pop.id}`;
    const existing = cards.get(rid);
    if (existing) {
      // Re-sent (refresh, second tab): newer data, same offer, same deadline.
      existing.model.pop = pop;
      refill(existing.el, existing.model);
      render(rid);
      persist();
      return;
    }
    closeProviderConnected(rid);
    if (!offer) {
      // Nothing to accept: the agent is already talking in the provider's softphone, so no focus grab either.
      mount({ rid, pop, status: 'provider_connected', deadline: Date.now(), timeoutMs: 0 }, false);
      persist();
      return;
    }
    const timeoutMs = (Number(pop.reservation?.timeoutSeconds) || DEFAULT_TIMEOUT_S) * 1000;
    const expiresAt = Date.parse(pop.reservation?.expiresAt ?? '');
    // Never longer than the offer's timeout, whatever the clocks say.
    const leftMs = Number.isNaN(expiresAt) ? timeoutMs : Math.min(timeoutMs, expiresAt - clock.now());
    const outcome = outcomes.get(rid);
    /** @type {CardStatus} */
    const status = outcome === 'accepted' ? 'connected' : outcome === 'cancelled' || outcome === 'timeout' ? outcome : 'pending';
    if (outcome === 'rejected') return;
    mount({ rid, pop, status, deadline: Date.now() + Math.max(0, leftMs), timeoutMs }, true);
    persist();
  }

  /** @param {{ reservationId?: string, status?: string, agentId?: string }} msg */
  function onReservation(msg) {
    const rid = String(msg.reservationId ?? '');
    if (!cards.has(rid)) {
      outcomes.set(rid, String(msg.status));
      return;
    }
    switch (msg.status) {
      case 'accepted':
        // Accepted here or in another tab of the same agent: this is now the active call.
        if (msg.agentId && msg.agentId !== deps.agent) remove(rid);
        else setStatus(rid, 'connected');
        return;
      case 'rejected':
        remove(rid);
        return;
      case 'cancelled':
      case 'timeout':
        setStatus(rid, msg.status);
    }
  }

  /** This agent's warm transfer fell through: the caller is still on their connected call. @param {{ callId?: string, reason?: string, to?: string }} msg */
  function onTransferFailed(msg) {
    for (const c of cards.values()) if (c.model.pop.call?.id === msg.callId) c.transfer?.failed(msg);
  }

  /**
   * An accept's or reject's answer. False when a failure is not shown on a card (its card is
   * gone, or went with it): the caller says it another way.
   * @param {{ for?: string, ok?: boolean, reservationId?: string, error?: { code?: string, message?: string } }} msg
   * @returns {boolean}
   */
  function onResult(msg) {
    const rid = String(msg.reservationId ?? '');
    const c = cards.get(rid);
    if (!c) return !!msg.ok;
    if (msg.ok) {
      if (msg.for === 'accept' && (c.model.status === 'pending' || c.model.status === 'connecting')) setStatus(rid, 'connected');
      if (msg.for === 'reject') remove(rid);
      return true;
    }
    // Taken, then undone: the provider could not connect the call, which went back in line.
    // The offer is spent (accepting it again is refused), so its card goes, even if the "busy"
    // it brought was the last presence this page heard.
    if (msg.for === 'accept' && msg.error?.code === 'SERVICE_UNAVAILABLE' && (c.model.status === 'connecting' || c.model.status === 'connected')) {
      remove(rid);
      return false;
    }
    c.model.status = c.model.status === 'connecting' ? 'pending' : c.model.status;
    c.model.error = msg.error?.message || t('error.generic');
    render(rid);
    return true;
  }

  /** The agent's state moved: the active call ended, or the agent is free again. @param {string} state */
  function onAgentState(state) {
    for (const [rid, c] of cards) {
      const s = c.model.status;
      if (state === 'wrap_up' && s === 'connected') setStatus(rid, 'wrap_up');
      else if (state === 'busy' && s === 'connecting') setStatus(rid, 'connected');
      else if (['available', 'away', 'offline'].includes(state) && (s === 'connected' || (s === 'wrap_up' && !c.model.wrapUp?.dirty))) remove(rid);
    }
  }

  /** After a (re)connect: restored offers the hub no longer holds are gone. @param {string} state */
  function reconcile(state) {
    for (const [rid, c] of cards) {
      if ((c.model.status === 'pending' || c.model.status === 'connecting') && state !== 'reserved') remove(rid);
    }
    onAgentState(state);
  }

  function tick() {
    const now = Date.now();
    let waiting = false;
    for (const [rid, c] of cards) {
      if (c.model.status === 'pending' || c.model.status === 'connecting') render(rid);
      if (effectiveStatus(c.model, now) === 'pending') waiting = true;
    }
    flash = waiting && !flash;
    const title = flash ? t('incomingCall') : deps.baseTitle();
    if (document.title !== title) document.title = title;
  }
  const timer = setInterval(tick, 500);

  // A refresh: show what was open at once; the hub's hello and re-sent pops confirm it.
  for (const saved of session.cards(deps.agent)) {
    const m = /** @type {CardModel} */ (saved);
    if (m && typeof m.rid === 'string' && m.pop && !cards.has(m.rid)) mount(m, true);
  }
  deps.idle.hidden = cards.size > 0;

  /**
   * Whether a call Twilio rings here is one the agent accepted on a card (just now, or already
   * connected): the dial names its reservation, a callback's its call.
   * @param {{ reservationId?: string, callId?: string }} ref
   */
  function accepted(ref) {
    const taken = (/** @type {CardModel} */ m) => m.status === 'connecting' || m.status === 'connected';
    if (ref.reservationId) {
      const c = cards.get(ref.reservationId);
      return !!c && taken(c.model);
    }
    return !!ref.callId && [...cards.values()].some((c) => c.model.pop.call?.id === ref.callId && taken(c.model));
  }

  return {
    onPop,
    onReservation,
    accepted,
    onResult,
    onTransferFailed,
    onAgentState,
    reconcile,
    /** Buttons follow the connection (no accept while offline). */
    refresh() {
      for (const rid of cards.keys()) render(rid);
    },
    /** The language changed. */
    relabel() {
      for (const [rid, c] of cards) {
        refill(c.el, c.model);
        c.wrapUp?.relabel();
        c.transfer?.relabel();
        render(rid);
      }
    },
    destroy() {
      clearInterval(timer);
      for (const rid of [...cards.keys()]) {
        const c = cards.get(rid);
        clearTimeout(c?.lingerTimer);
        c?.el.remove();
      }
      cards.clear();
      deps.idle.hidden = false;
    },
  };
}
