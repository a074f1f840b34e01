// @ts-check
/**
 * What the page shows of its audio: a line in the top bar (registered, no audio configured,
 * no identity, an error) and, while a Twilio call is here, a bar with Answer / Decline (a
 * call nobody accepted on a card) or Hang up.
 */
import { t } from './i18n.js';
import { find } from '../shared/dom.js';

/** @typedef {import('./voice.js').VoiceView} VoiceView */

/**
 * @param {{ status: HTMLElement, bar: HTMLElement, onAnswer: () => void, onDecline: () => void, onHangUp: () => void }} deps
 */
export function createAudioBar(deps) {
  const statusText = find(deps.status, '[data-field="audio-text"]');
  const barText = find(deps.bar, '[data-field="phone-text"]');
  const from = find(deps.bar, '[data-field="phone-from"]');
  const answer = find(deps.bar, '[data-testid="phone-answer"]');
  const decline = find(deps.bar, '[data-testid="phone-decline"]');
  const hangUp = find(deps.bar, '[data-testid="phone-hangup"]');
  answer.addEventListener('click', deps.onAnswer);
  decline.addEventListener('click', deps.onDecline);
  hangUp.addEventListener('click', deps.onHangUp);
  /** @type {VoiceView} */
  let last = { state: 'off', call: null };

  /** @param {VoiceView} view */
  function render(view) {
    last = { ...view, call: view.call && { ...view.call } };
    deps.status.hidden = view.state === 'off';
    deps.status.dataset.state = view.state;
    statusText.textContent = t(`audio.${view.state}`);
    deps.status.title = view.state === 'error' && view.detail ? view.detail : '';
    const call = view.call;
    deps.bar.hidden = !call;
    deps.bar.dataset.status = call?.status ?? 'idle';
    if (!call) return;
    barText.textContent = t(`phone.${call.status}`);
    from.textContent = call.status === 'ringing' ? call.from : '';
    answer.hidden = decline.hidden = call.status !== 'ringing';
    hangUp.hidden = call.status === 'ringing';
    if (call.status === 'ringing' && !deps.bar.contains(document.activeElement)) answer.focus();
  }

  return {
    render,
    /** The language changed. */
    relabel: () => render(last),
    /** Signed out. */
    clear: () => render({ state: 'off', call: null }),
  };
}
