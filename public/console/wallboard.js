// @ts-check
/**
 * The wallboard: tiles, queues, agents and the alert feed from the supervisor socket; the
 * day's charts and totals from GET /api/analytics/kpis. Waits and times in state tick every
 * second on the server's clock between pushes.
 */
import { call } from './api.js';
import { clock, duration, integer, money, percent, secondsSince, timeOfDay } from './format.js';
import { has, lang, locale, t } from './i18n.js';
import { find as el, node } from '../shared/dom.js';

const STATES = ['available', 'reserved', 'busy', 'wrap_up', 'away', 'offline'];
/** The day's KPIs are re-read at most this often while calls come and go (and every minute regardless). */
const KPI_MIN_INTERVAL_MS = 5000;
const KPI_INTERVAL_MS = 60_000;

/** A queue's name in the page's language when it has one. @param {{ queue: string, displayName?: any }} q */
function queueName(q) {
  const names = q.displayName;
  return (names && typeof names === 'object' && typeof names[lang()] === 'string' && names[lang()]) || q.queue;
}

/** @param {HTMLElement} root */
export function createWallboard(root) {
  /** @type {Record<string, any> | undefined} */
  let stats;
  /** @type {Map<string, Record<string, any>>} */
  const alerts = new Map();
  /** @type {Record<string, any> | undefined} */
  let kpis;
  /** @type {Record<string, any>} */
  const charts = {};
  let kpiAt = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let kpiTimer;
  let lastOffered = -1;

  const tiles = {
    waiting: el(root, '[data-testid="tile-waiting"] [data-field="value"]'),
    oldest: el(root, '[data-testid="tile-oldest"] [data-field="value"]'),
    serviceLevel: el(root, '[data-testid="tile-service-level"] [data-field="value"]'),
    offered: el(root, '[data-testid="tile-offered"] [data-field="value"]'),
    abandoned: el(root, '[data-testid="tile-abandoned"]'),
    states: el(root, '[data-testid="tile-agents"] [data-field="states"]'),
  };
  const queuesBody = el(root, '[data-testid="queues-table"] tbody');
  const agentsBody = el(root, '[data-testid="agents-table"] tbody');
  const feed = el(root, '[data-testid="alert-feed"]');

  /** A queue's display name from the latest numbers (alerts and calls carry only its key). @param {string} queue */
  const named = (queue) => queueName(stats?.queues.find((/** @type {any} */ q) => q.queue === queue) ?? { queue });

  /** @param {HTMLElement} target @param {number | null} value @param {string} text */
  function show(target, value, text) {
    target.dataset.value = value === null ? '' : String(value);
    target.textContent = text;
  }

  function oldestSeconds() {
    const times = (stats?.queues ?? []).map((q) => q.oldestEnqueuedAt).filter(Boolean);
    return times.length ? Math.max(...times.map(secondsSince)) : null;
  }

  function renderTiles() {
    const queues = stats?.queues ?? [];
    const waiting = queues.reduce((n, q) => n + q.waiting, 0);
    show(tiles.waiting, waiting, integer(waiting));
    tiles.waiting.closest('.tile')?.setAttribute('data-level', waiting > 0 ? 'warn' : 'ok');
    const oldest = oldestSeconds();
    show(tiles.oldest, oldest, oldest === null ? '—' : duration(oldest));
    const totals = kpis?.totals;
    const level = totals ? totals.serviceLevel : null;
    show(tiles.serviceLevel, level, percent(level));
    tiles.serviceLevel.closest('.tile')?.setAttribute('data-level', level === null ? 'none' : level >= (policy.serviceLevelTarget ?? 0.8) ? 'ok' : 'bad');
    show(tiles.offered, totals ? totals.offered : null, totals ? integer(totals.offered) : '—');
    tiles.abandoned.dataset.value = totals ? String(totals.abandoned) : '';
    tiles.abandoned.textContent = totals ? `${t('tile.abandoned')}: ${integer(totals.abandoned)} (${percent(totals.abandonmentRate)})` : '';
    tiles.states.replaceChildren(
      ...STATES.map((s) => {
        const li = node('li', `state-count state-${s}`);
        li.dataset.state = s;
        const n = stats?.agents?.byState?.[s] ?? 0;
        li.dataset.value = String(n);
        li.append(node('span', 'count', integer(n)), node('span', 'label', t(`state.${s}`)));
        return li;
      }),
    );
  }

  function renderQueues() {
    const queues = stats?.queues ?? [];
    el(root, '[data-field="no-queues"]').hidden = queues.length > 0;
    queuesBody.replaceChildren(
      ...queues.map((q) => {
        const tr = node('tr');
        tr.dataset.queue = q.queue;
        const cells = [
          ['name', null, queueName(q)],
          ['waiting', q.waiting, integer(q.waiting)],
          ['oldest', q.oldestEnqueuedAt ? secondsSince(q.oldestEnqueuedAt) : null, q.oldestEnqueuedAt ? duration(secondsSince(q.oldestEnqueuedAt)) : '—'],
          ['service-level', q.serviceLevelToday, percent(q.serviceLevelToday)],
          ['offered', q.offeredToday, integer(q.offeredToday)],
          ['answered', q.answeredToday, integer(q.answeredToday)],
          ['abandoned', q.abandonedToday, integer(q.abandonedToday)],
        ];
        for (const [field, value, text] of cells) {
          const td = node(field === 'name' ? 'th' : 'td', field === 'name' ? '' : 'num', String(text));
          if (field === 'name') td.setAttribute('scope', 'row');
          td.dataset.field = String(field);
          if (value !== null) td.dataset.value = String(value);
          tr.append(td);
        }
        if (q.serviceLevelToday !== null && q.serviceLevelToday < (policy.serviceLevelTarget ?? 0.8)) tr.dataset.level = 'bad';
        return tr;
      }),
    );
  }

  function renderAgents() {
    const list = stats?.agents?.list ?? [];
    el(root, '[data-field="no-agents"]').hidden = list.length > 0;
    agentsBody.replaceChildren(
      ...list.map((a) => {
        const tr = node('tr');
        tr.dataset.agent = a.id;
        const name = node('th', '', a.name);
        name.setAttribute('scope', 'row');
        const state = node('td');
        const badge = node('span', `state-badge state-${a.state}`, has(`state.${a.state}`) ? t(`state.${a.state}`) : a.state);
        badge.dataset.state = a.state;
        state.append(badge);
        if (a.reason && a.state === 'away') state.append(node('span', 'muted reason', ` · ${a.reason}`));
        const since = node('td', 'num ticking', duration(secondsSince(a.since)));
        since.dataset.since = a.since;
        const current = node('td', 'call');
        if (a.call) {
          current.dataset.callId = a.call.callId;
          current.dataset.callSince = a.call.since;
          current.textContent = t('onCall', { queue: named(a.call.queue), duration: duration(secondsSince(a.call.since)) });
        } else current.textContent = '—';
        tr.append(name, state, since, current);
        return tr;
      }),
    );
  }

  /** @param {Record<string, any>} a */
  function alertText(a) {
    const queue = a.queue ? named(a.queue) : '';
    const since = a.enqueuedAt ? timeOfDay(a.enqueuedAt) : '';
    switch (a.kind) {
      case 'service_level':
        return t('alertText.service_level', { queue, level: percent(a.serviceLevel), target: percent(a.target) });
      case 'long_wait':
        return t('alertText.long_wait', { queue, since });
      case 'crisis_waiting':
        return t('alertText.crisis_waiting', { queue, intent: a.intent ?? '', since });
      case 'fraud_suspected':
        return t('alertText.fraud_suspected', { queue, reason: a.reason ? `${queue ? ' · ' : ''}${a.reason}` : '' });
      case 'negative_sentiment':
        return t('alertText.negative_sentiment', { customer: a.customerId ?? '', channel: a.channel ?? '', value: a.accountValue ? money(a.accountValue.amount, a.accountValue.currency) : (a.tier ?? '') });
      case 'survey_follow_up': {
        const scores = [a.csat != null ? `CSAT ${integer(a.csat)}` : '', a.nps != null ? `NPS ${integer(a.nps)}` : ''].filter(Boolean).join(' · ');
        return t('alertText.survey_follow_up', { queue, agent: a.agentId ?? '', scores: scores || (a.reason ?? '') });
      }
      default:
        return a.reason ?? '';
    }
  }

  function renderAlerts() {
    const items = [...alerts.values()].sort((a, b) => Number(Boolean(a.cleared)) - Number(Boolean(b.cleared)) || String(b.at).localeCompare(String(a.at)));
    el(root, '[data-field="no-alerts"]').hidden = items.some((a) => !a.cleared);
    feed.replaceChildren(
      ...items.slice(0, 50).map((a) => {
        const li = node('li', `alert alert-${a.kind}`);
        li.dataset.kind = a.kind;
        li.dataset.id = a.id;
        if (a.cleared) li.dataset.cleared = 'true';
        const head = node('p', 'alert-head');
        head.append(node('strong', 'alert-title', has(`alert.${a.kind}`) ? t(`alert.${a.kind}`) : a.kind), node('time', 'muted', timeOfDay(a.at)));
        li.append(head, node('p', 'alert-text', alertText(a)));
        if (a.waitSeconds !== undefined && a.enqueuedAt && !a.cleared) {
          const wait = node('p', 'alert-wait ticking', duration(secondsSince(a.enqueuedAt)));
          wait.dataset.since = a.enqueuedAt;
          li.append(wait);
        }
        if (a.cleared) li.append(node('p', 'muted', t('cleared')));
        return li;
      }),
    );
  }

  /**
   * The hour labels of a series on the business clock: each start is written with the business
   * time zone's offset ("2026-11-29T08:00:00+03:00"), so its hour is read from the text, not
   * converted to the time zone of the PC showing the wallboard.
   * @param {Array<{ start: string }>} series
   */
  const hours = (series) => series.map((p) => new Intl.NumberFormat(locale(), { minimumIntegerDigits: 2 }).format(Number(p.start.slice(11, 13))));

  function renderCharts() {
    const Chart = /** @type {any} */ (window).Chart;
    if (!Chart || !kpis) return;
    // Only the hours so far: the rest of the day is empty, not zero.
    const series = kpis.series.filter((/** @type {{ start: string }} */ p) => Date.parse(p.start) <= clock.now());
    const labels = hours(series);
    const rtl = lang() === 'ar';
    const base = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: locale(),
      plugins: { legend: { rtl, position: 'bottom' }, tooltip: { rtl } },
      scales: { x: { reverse: rtl }, y: { beginAtZero: true, position: rtl ? 'right' : 'left' } },
    };
    const specs = {
      calls: {
        type: 'bar',
        datasets: [
          { label: t('series.offered'), data: series.map((p) => p.offered), backgroundColor: '#0b5cad' },
          { label: t('series.answered'), data: series.map((p) => p.answered), backgroundColor: '#1b7a3e' },
          { label: t('series.abandoned'), data: series.map((p) => p.abandoned), backgroundColor: '#b3261e' },
        ],
      },
      asa: { type: 'line', datasets: [{ label: t('series.asa'), data: series.map((p) => p.asaSeconds), borderColor: '#8a5a00', backgroundColor: '#8a5a00', spanGaps: true }] },
      abandonment: {
        type: 'line',
        datasets: [{ label: t('series.abandonment'), data: series.map((p) => (p.abandonmentRate === null ? null : Math.round(p.abandonmentRate * 1000) / 10)), borderColor: '#b3261e', backgroundColor: '#b3261e', spanGaps: true }],
      },
    };
    for (const [name, spec] of Object.entries(specs)) {
      const canvas = /** @type {HTMLCanvasElement} */ (el(root, `#chart-${name}`));
      canvas.dataset.points = JSON.stringify(spec.datasets.map((d) => d.data));
      const existing = charts[name];
      if (existing && existing.config.type === spec.type && existing.options.scales.x.reverse === rtl) {
        existing.data.labels = labels;
        spec.datasets.forEach((d, i) => Object.assign(existing.data.datasets[i], d));
        existing.update('none');
      } else {
        existing?.destroy();
        // Calls are whole numbers: no 0.5 calls on the axis.
        const options = name === 'calls' ? { ...base, scales: { ...base.scales, y: { ...base.scales.y, ticks: { precision: 0 } } } } : base;
        charts[name] = new Chart(canvas, { type: spec.type, data: { labels, datasets: spec.datasets }, options });
      }
    }
  }

  async function loadKpis() {
    kpiAt = Date.now();
    const res = await call('GET', '/api/analytics/kpis?interval=1h');
    if (!res.ok) return;
    kpis = res.body;
    root.dataset.kpisAt = kpis?.totals ? new Date().toISOString() : '';
    renderTiles();
    renderCharts();
  }

  function scheduleKpis() {
    if (kpiTimer) return;
    kpiTimer = setTimeout(() => {
      kpiTimer = undefined;
      void loadKpis();
    }, Math.max(0, kpiAt + KPI_MIN_INTERVAL_MS - Date.now()));
  }

  const ticker = setInterval(() => {
    if (!stats) return;
    const oldest = oldestSeconds();
    show(tiles.oldest, oldest, oldest === null ? '—' : duration(oldest));
    for (const td of root.querySelectorAll('[data-field="oldest"]')) {
      const q = stats.queues.find((/** @type {any} */ x) => x.queue === td.parentElement?.getAttribute('data-queue'));
      if (q?.oldestEnqueuedAt) td.textContent = duration(secondsSince(q.oldestEnqueuedAt));
    }
    for (const n of root.querySelectorAll('.ticking')) {
      const since = n.getAttribute('data-since');
      if (since) n.textContent = duration(secondsSince(since));
    }
    for (const n of root.querySelectorAll('td.call[data-call-since]')) {
      const a = stats.agents.list.find((/** @type {any} */ x) => x.call?.callId === n.getAttribute('data-call-id'));
      if (a?.call) n.textContent = t('onCall', { queue: named(a.call.queue), duration: duration(secondsSince(a.call.since)) });
    }
  }, 1000);
  const kpiPoll = setInterval(() => void loadKpis(), KPI_INTERVAL_MS);

  /** @type {{ serviceLevelTarget?: number }} */
  let policy = {};

  return {
    /** @param {Record<string, any>} m a supervisor socket message */
    onMessage(m) {
      switch (m.type) {
        case 'hello':
          policy = m.policy ?? {};
          clock.observe(m.serverTime);
          // An unknown zone name would make every Intl call throw: keep the PC's then.
          try {
            new Intl.DateTimeFormat('en', { timeZone: m.timeZone });
            clock.zone = m.timeZone;
          } catch {
            clock.zone = undefined;
          }
          void loadKpis();
          return;
        case 'stats': {
          clock.observe(m.at);
          stats = m;
          renderTiles();
          renderQueues();
          renderAgents();
          root.dataset.statsAt = m.at;
          // Calls came or went: the day's totals and charts follow, a few seconds behind.
          const offered = m.queues.reduce((/** @type {number} */ n, /** @type {any} */ q) => n + q.offeredToday + q.waiting, 0);
          if (offered !== lastOffered) {
            lastOffered = offered;
            scheduleKpis();
          }
          return;
        }
        case 'alerts': {
          // What is listed now: one listed before and missing here was cleared while the page was not told (a reconnect, a poll).
          const listed = new Set((m.items ?? []).map((/** @type {any} */ a) => a.id));
          for (const [id, a] of alerts) if (!a.cleared && !listed.has(id)) alerts.set(id, { ...a, cleared: new Date(clock.now()).toISOString() });
          for (const a of m.items ?? []) alerts.set(a.id, a);
          renderAlerts();
          return;
        }
        case 'alert': {
          const { type: _type, ...a } = m;
          alerts.set(a.id, a);
          renderAlerts();
          return;
        }
        case 'alert_cleared': {
          const a = alerts.get(m.id);
          if (a) alerts.set(m.id, { ...a, cleared: m.at });
          renderAlerts();
          return;
        }
      }
    },
    /** Re-reads the day's KPIs now (after a sign-in, or a test's webhook burst). */
    reloadKpis: () => loadKpis(),
    relabel() {
      renderTiles();
      renderQueues();
      renderAgents();
      renderAlerts();
      for (const c of Object.values(charts)) c.destroy();
      for (const k of Object.keys(charts)) delete charts[k];
      renderCharts();
    },
    destroy() {
      clearInterval(ticker);
      clearInterval(kpiPoll);
      if (kpiTimer) clearTimeout(kpiTimer);
      for (const c of Object.values(charts)) c.destroy();
    },
  };
}
