// @ts-check
/**
 * The screen-pop card: built once from the pop (who is calling and why), then updated as
 * the offer moves on (countdown, connected, missed…). A call the provider connected itself
 * (Amazon Connect: no reservation of ours) is `provider_connected` from the start: nothing to
 * accept, only to read and dismiss. Server text only ever goes through textContent, never as HTML.
 */
import { dateTime, decimal, integer, languageName, money, relative, score } from './format.js';
import { has, t } from './i18n.js';
import { find as $, node as el } from '../shared/dom.js';

/**
 * @typedef {'pending' | 'connecting' | 'connected' | 'wrap_up' | 'cancelled' | 'timeout' | 'rejected' | 'provider_connected'} CardStatus
 * @typedef {{ channel?: string, at?: string, summary?: string, sentiment?: string | null }} Contact
 * @typedef {{
 *   call?: { id?: string, provider?: string, providerCallId?: string, from?: string, language?: string, queue?: string, waitSeconds?: number, reservationId?: string | null },
 *   reservation?: { id?: string, timeoutSeconds?: number, expiresAt?: string } | null,
 *   customer?: { name?: string, tier?: string, known?: boolean },
 *   accountValue?: { amount?: number, currency?: string } | null,
 *   verification?: { status?: string, method?: string, score?: number, risk?: { watchlist?: boolean, spoofSuspected?: boolean } } | null,
 *   sentiment?: { label?: string, score?: number, trend?: string } | null,
 *   experience?: { score?: number, csat?: number | null, nps?: number | null, fcr?: number | null, openComplaints?: number } | null,
 *   lastInteraction?: Contact | null,
 *   history?: Contact[],
 *   ivr?: { path?: string[], intent?: string | null, inputs?: Record<string, unknown> } | null,
 *   transfer?: { from?: string, note?: string | null, mode?: string } | null,
 * }} Pop
 * @typedef {{ rid: string, pop: Pop, status: CardStatus, deadline: number, timeoutMs: number, error?: string, wrapUp?: import('./wrapup-form.js').WrapUpDraft }} CardModel
 */

const TREND_ARROWS = /** @type {Record<string, string>} */ ({ falling: '↓', rising: '↑', steady: '→' });

/** A label when one exists, else the raw value (a tier or channel the UI does not know yet). @param {string} prefix @param {string} value */
const labelOr = (prefix, value) => (has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);

/** "📱 WhatsApp · 2 days ago", the summary and a sentiment chip. @param {Contact} c */
function contactNodes(c) {
  const channel = c.channel ?? '';
  const meta = el('span', 'contact-meta');
  // A coloured mark per channel rather than an emoji: agents' PCs often lack an emoji font.
  const mark = el('span', 'channel-mark');
  mark.dataset.channel = channel;
  mark.setAttribute('aria-hidden', 'true');
  meta.append(mark, el('span', 'channel', labelOr('channel', channel)));
  if (c.at) {
    const time = el('time', 'when', relative(c.at));
    time.setAttribute('datetime', c.at);
    time.title = dateTime(c.at);
    meta.append(el('span', 'sep', '·'), time);
  }
  const nodes = [meta, el('span', 'summary', c.summary ?? '')];
  if (c.sentiment) {
    const chip = el('span', `chip sentiment-${c.sentiment}`, labelOr('sentiment', c.sentiment));
    nodes.push(chip);
  }
  return nodes;
}

/** @param {HTMLElement} card @param {Pop} pop */
function fill(card, pop) {
  const call = pop.call ?? {};
  const customer = pop.customer ?? {};
  const known = customer.known !== false && !!customer.name;
  $(card, '[data-testid="pop-name"]').textContent = known ? String(customer.name) : t('unknownCaller');
  $(card, '[data-field="number"]').textContent = call.from ?? '';
  // A transferred call: who handed it on and their note (warm: they are still on the line).
  const transferEl = $(card, '[data-testid="pop-transfer"]');
  const tr = pop.transfer;
  transferEl.hidden = !tr?.from;
  transferEl.dataset.mode = tr?.mode ?? '';
  transferEl.textContent = tr?.from ? t(tr.mode === 'warm' ? 'transfer.bannerWarm' : 'transfer.banner', { from: tr.from }) + (tr.note ? `: ${tr.note}` : '') : '';
  card.dataset.provider = call.provider ?? '';
  const ref = $(card, '[data-testid="pop-provider-call-id"]');
  ref.hidden = !call.providerCallId;
  ref.textContent = call.providerCallId ?? '';
  ref.title = t('providerCallId');
  ref.setAttribute('aria-label', `${t('providerCallId')}: ${call.providerCallId ?? ''}`);

  const tier = customer.tier ?? '';
  const tierEl = $(card, '[data-testid="pop-tier"]');
  tierEl.hidden = !tier;
  tierEl.dataset.tier = tier;
  tierEl.textContent = labelOr('tier', tier);

  const v = pop.verification;
  const verifyEl = $(card, '[data-testid="pop-verification"]');
  verifyEl.hidden = !v?.status;
  verifyEl.dataset.status = v?.status ?? '';
  verifyEl.textContent = v?.status ? [labelOr('verify', v.status), v.method ? labelOr('method', v.method) : ''].filter(Boolean).join(' · ') : '';
  // A fraud warning stands apart from the verdict: the agent must see it even on a failed check.
  const riskEl = $(card, '[data-testid="pop-risk"]');
  const risks = [v?.risk?.watchlist ? t('risk.watchlist') : '', v?.risk?.spoofSuspected ? t('risk.spoof') : ''].filter(Boolean);
  riskEl.hidden = risks.length === 0;
  riskEl.textContent = risks.join(' · ');

  const av = pop.accountValue;
  $(card, '[data-testid="pop-account-value"]').textContent = av && typeof av.amount === 'number' && av.currency ? money(av.amount, av.currency) : '—';

  const s = pop.sentiment;
  const sentimentEl = $(card, '[data-testid="pop-sentiment"]');
  sentimentEl.replaceChildren();
  sentimentEl.dataset.label = s?.label ?? '';
  sentimentEl.dataset.trend = s?.trend ?? '';
  if (s?.label) {
    sentimentEl.append(el('span', `chip sentiment-${s.label}`, labelOr('sentiment', s.label)));
    if (typeof s.score === 'number') sentimentEl.append(el('bdi', 'score', score(s.score)));
    if (s.trend) {
      const arrow = el('span', `trend trend-${s.trend}`, TREND_ARROWS[s.trend] ?? '');
      arrow.title = labelOr('trend', s.trend);
      arrow.setAttribute('aria-label', labelOr('trend', s.trend));
      sentimentEl.append(arrow);
    }
  } else sentimentEl.textContent = '—';

  // The experience score (0-100) and what it is made of; below 40 it is shown as a warning.
  const x = pop.experience;
  const experienceEl = $(card, '[data-testid="pop-experience"]');
  experienceEl.replaceChildren();
  experienceEl.dataset.level = typeof x?.score === 'number' ? (x.score < 40 ? 'low' : x.score < 70 ? 'mid' : 'high') : '';
  if (typeof x?.score === 'number') {
    experienceEl.append(el('bdi', 'experience-score', t('experience.score', { v: integer(x.score), max: integer(100) })));
    const parts = [
      typeof x.csat === 'number' ? t('experience.csat', { v: decimal(x.csat) }) : '',
      typeof x.nps === 'number' ? t('experience.nps', { v: decimal(x.nps) }) : '',
      typeof x.fcr === 'number' ? t('experience.fcr', { v: integer(Math.round(x.fcr * 100)) }) : '',
      x.openComplaints ? t('experience.complaints', { n: integer(x.openComplaints) }) : '',
    ].filter(Boolean);
    if (parts.length) experienceEl.append(el('span', 'sub', parts.join(' · ')));
  } else experienceEl.textContent = '—';

  const queueEl = $(card, '[data-field="queue"]');
  queueEl.replaceChildren(el('span', '', call.queue ?? '—'));
  if (typeof call.waitSeconds === 'number') queueEl.append(el('span', 'sub', t('waited', { s: integer(call.waitSeconds) })));
  $(card, '[data-field="language"]').textContent = call.language ? languageName(call.language) : '—';

  const last = $(card, '[data-testid="pop-last"] [data-field="last"]');
  last.replaceChildren(...(pop.lastInteraction ? contactNodes(pop.lastInteraction) : [el('span', 'muted', t('noHistory'))]));

  const ivr = pop.ivr ?? {};
  // Each step isolated, so an Arabic page reads the Latin node names right to left in order.
  const path = ivr.path ?? [];
  const pathEl = $(card, '[data-testid="pop-ivr"]');
  pathEl.replaceChildren(...path.flatMap((step, i) => (i ? [el('span', 'sep', ' › '), el('bdi', '', step)] : [el('bdi', '', step)])));
  if (!path.length) pathEl.textContent = '—';
  const details = $(card, '[data-field="ivr-details"]');
  details.replaceChildren();
  /** @param {string} term @param {string} value */
  const detail = (term, value) => {
    const row = el('div');
    row.append(el('dt', '', term), el('dd', '', value));
    details.append(row);
  };
  if (ivr.intent) detail(t('intent'), ivr.intent);
  const inputs = Object.entries(ivr.inputs ?? {});
  if (inputs.length) detail(t('inputs'), inputs.map(([k, val]) => `${k}: ${String(val)}`).join(', '));

  const list = $(card, '[data-field="history"]');
  const history = [...(pop.history ?? [])].sort((a, b) => Date.parse(b.at ?? '') - Date.parse(a.at ?? ''));
  list.replaceChildren(
    ...history.map((h) => {
      const li = el('li', 'contact');
      li.dataset.testid = 'pop-history-item';
      li.append(...contactNodes(h));
      return li;
    }),
  );
  $(card, '[data-field="no-history"]').hidden = history.length > 0;
}

/**
 * A new card element for the model (call update() afterwards).
 * @param {CardModel} model
 */
export function createCard(model) {
  const template = document.getElementById('pop-template');
  if (!(template instanceof HTMLTemplateElement)) throw new Error('missing #pop-template');
  const fragment = /** @type {DocumentFragment} */ (template.content.cloneNode(true));
  const card = /** @type {HTMLElement} */ (fragment.firstElementChild);
  for (const node of card.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n') ?? '');
  card.dataset.reservationId = model.rid;
  const nameId = `pop-name-${model.rid.replace(/[^A-Za-z0-9_-]/g, '')}`;
  $(card, '[data-testid="pop-name"]').id = nameId;
  card.setAttribute('aria-labelledby', nameId);
  fill(card, model.pop);
  return card;
}

/** Re-fills the card after the pop was re-sent or the language changed. @param {HTMLElement} card @param {CardModel} model */
export function refill(card, model) {
  for (const node of card.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n') ?? '');
  fill(card, model.pop);
}

/** @param {CardModel} model @param {number} now local ms */
export function effectiveStatus(model, now) {
  return model.status === 'pending' && now >= model.deadline ? 'expired' : model.status;
}

/**
 * Status line, countdown, buttons and error: everything that changes while the card is up.
 * @param {HTMLElement} card @param {CardModel} model @param {{ now: number, online: boolean }} ctx
 */
export function update(card, model, ctx) {
  const status = effectiveStatus(model, ctx.now);
  const offered = status === 'pending' || status === 'connecting' || status === 'expired';
  card.dataset.status = status;
  // An open offer demands attention; a connected call is just the active call's panel.
  card.setAttribute('role', offered ? 'alertdialog' : 'region');
  card.setAttribute('aria-live', offered ? 'assertive' : 'polite');
  $(card, '[data-field="status"]').textContent = t(status === 'pending' ? 'pop.incoming' : `pop.${status}`);

  const leftMs = Math.max(0, model.deadline - ctx.now);
  const seconds = Math.ceil(leftMs / 1000);
  const countdown = $(card, '[data-field="countdown"]');
  countdown.hidden = !offered;
  const text = $(card, '[data-testid="pop-countdown"]');
  text.dataset.remaining = String(seconds);
  text.textContent = status === 'expired' ? t('pop.expired') : t('secondsLeft', { s: integer(seconds) });
  const bar = $(card, '[role="progressbar"]');
  const fraction = model.timeoutMs > 0 ? Math.min(1, leftMs / model.timeoutMs) : 0;
  bar.setAttribute('aria-valuenow', String(seconds));
  bar.setAttribute('aria-valuemax', String(Math.round(model.timeoutMs / 1000)));
  bar.setAttribute('aria-label', t('timeLeft'));
  $(bar, '.bar-fill').style.transform = `scaleX(${fraction})`;
  bar.dataset.urgent = String(fraction <= 0.34);

  const accept = /** @type {HTMLButtonElement} */ ($(card, '[data-testid="pop-accept"]'));
  const reject = /** @type {HTMLButtonElement} */ ($(card, '[data-testid="pop-reject"]'));
  accept.hidden = reject.hidden = !offered;
  accept.disabled = reject.disabled = status !== 'pending' || !ctx.online;
  $(card, '[data-field="dismiss"]').hidden = !['expired', 'cancelled', 'timeout', 'rejected', 'provider_connected'].includes(status);

  const error = $(card, '[data-field="error"]');
  error.hidden = !model.error;
  error.textContent = model.error ?? '';
}
