// @ts-check
/**
 * The routing-rules admin: the active set in an editor, checked as it is typed (errors pinned
 * to their rule and field), simulated with a sample caller, published with a comment, diffed
 * against any version and rolled back, with the audit trail of who did what and why.
 * Supervisors see all of it read-only (the API lets admins write).
 */
import { call } from './api.js';
import { dateTime, integer } from './format.js';
import { t } from './i18n.js';
import { find as el, node } from '../shared/dom.js';

const VALIDATE_DELAY_MS = 400;

/** @param {unknown} v */
const show = (v) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Where JSON.parse gave up, as "line 3, column 7" when the engine says which character. @param {string} text @param {Error} err */
function jsonProblem(text, err) {
  const at = /position (\d+)/.exec(err.message);
  if (!at) return err.message;
  const upTo = text.slice(0, Number(at[1]));
  const line = upTo.split('\n').length;
  const column = upTo.length - upTo.lastIndexOf('\n');
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} (line ${line}, column ${column})`;
}

/**
 * @param {HTMLElement} root
 * @param {{ role: string, toast: (text: string) => void }} opts
 */
export function createRulesAdmin(root, opts) {
  const admin = opts.role === 'admin';
  const editor = /** @type {HTMLTextAreaElement} */ (el(root, '[data-testid="rules-editor"]'));
  const validity = el(root, '[data-testid="validity"]');
  const outline = el(root, '[data-testid="rules-outline"]');
  const documentErrors = el(root, '[data-testid="document-errors"]');
  const publishBtn = /** @type {HTMLButtonElement} */ (el(root, '[data-testid="publish"]'));
  const comment = /** @type {HTMLInputElement} */ (el(root, '[data-testid="publish-comment"]'));
  const publishResult = el(root, '[data-testid="publish-result"]');
  const versionsBody = el(root, '[data-testid="versions-table"] tbody');
  const diffFrom = /** @type {HTMLSelectElement} */ (el(root, '[data-testid="diff-from"]'));
  const diffTo = /** @type {HTMLSelectElement} */ (el(root, '[data-testid="diff-to"]'));
  const diffResult = el(root, '[data-testid="diff-result"]');
  const simResult = el(root, '[data-testid="sim-result"]');
  const simForm = /** @type {HTMLFormElement} */ (el(root, '#sim-form'));

  el(root, '[data-testid="read-only"]').hidden = admin;
  editor.readOnly = !admin;
  comment.disabled = !admin;
  el(root, '[data-testid="revert"]').hidden = !admin;

  /** @type {{ version: number, text: string } | undefined} */
  let active;
  /** @type {{ state: string, parsed?: any, errors: Array<{ rule: string, field: string, message: string }>, jsonError?: string }} */
  let check = { state: 'idle', errors: [] };
  let checkSeq = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let debounce;
  /** @type {Array<{ version: number, active: boolean, comment: string | null, createdBy: string, createdAt: string }>} */
  let versions = [];
  /** @type {Array<{ action: string, version: number, fromVersion: number | null, by: string, comment: string | null, at: string }>} */
  let audit = [];
  // The last answers, kept so a language switch re-renders them rather than leaving them in the old language.
  /** @type {any} */
  let lastDiff;
  /** @type {{ ok: boolean, body: any } | undefined} */
  let lastSim;
  /** @type {number | undefined} */
  let lastPublished;

  function renderValidity() {
    validity.dataset.state = check.state;
    validity.textContent =
      check.state === 'checking' ? t('valid.checking')
      : check.state === 'valid' ? t('valid.ok')
      : check.state === 'unchanged' ? t('valid.unchanged')
      : check.state === 'invalid' ? t('valid.bad', { n: integer(check.errors.length) })
      : check.state === 'json' ? t('valid.json', { message: check.jsonError ?? '' })
      : '';
    publishBtn.disabled = !admin || check.state !== 'valid';
  }

  /** Selects the rule's field in the editor, so an error leads to its line. @param {string} rule @param {string} field */
  function locate(rule, field) {
    const text = editor.value;
    let from = 0;
    const index = /^rules\[(\d+)\]$/.exec(rule);
    if (rule === 'default') from = Math.max(0, text.indexOf('"default"'));
    else if (index) {
      let seen = -1;
      const re = /"name"\s*:/g;
      for (let m = re.exec(text); m; m = re.exec(text)) if (++seen === Number(index[1])) ((from = m.index), (re.lastIndex = text.length));
    } else if (rule) from = Math.max(0, text.indexOf(`"name": ${JSON.stringify(rule)}`));
    const key = field.split(/[.[]/)[0];
    const at = key ? text.indexOf(`"${key}"`, from) : from;
    const start = at >= 0 ? at : from;
    editor.focus();
    editor.setSelectionRange(start, start + (key ? key.length + 2 : 0));
  }

  /** @param {{ rule: string, field: string, message: string }} e */
  function errorItem(e) {
    const li = node('li', 'rule-error');
    li.dataset.testid = 'rule-error';
    li.setAttribute('data-testid', 'rule-error');
    li.dataset.rule = e.rule;
    li.dataset.field = e.field;
    const btn = node('button', 'linkish');
    /** @type {HTMLButtonElement} */ (btn).type = 'button';
    btn.append(node('code', 'field', e.field || '—'), document.createTextNode(` ${e.message}`));
    btn.addEventListener('click', () => locate(e.rule, e.field));
    li.append(btn);
    return li;
  }

  function renderOutline() {
    const parsed = check.parsed;
    const rules = parsed && Array.isArray(parsed.rules) ? parsed.rules : [];
    const pinned = new Set();
    const items = rules.map((/** @type {any} */ r, /** @type {number} */ i) => {
      const name = typeof r?.name === 'string' ? r.name : `rules[${i}]`;
      const mine = check.errors.filter((e) => e.rule === name || e.rule === `rules[${i}]`);
      for (const e of mine) pinned.add(e);
      const li = node('li', 'rule-card');
      li.dataset.rule = name;
      li.setAttribute('data-testid', 'rule-card');
      if (mine.length) li.dataset.invalid = 'true';
      const head = node('p', 'rule-head');
      head.append(node('strong', '', name));
      if (r && typeof r.queue === 'string') head.append(node('span', 'muted', ` · ${t('rule.queue', { queue: r.queue })}`));
      if (r && typeof r.priority === 'number') head.append(node('span', 'muted', ` · ${t('rule.priority', { priority: integer(r.priority) })}`));
      li.append(head);
      if (r && typeof r.when === 'string') {
        const when = node('code', 'when', r.when);
        when.setAttribute('dir', 'ltr');
        li.append(when);
      }
      if (mine.length) {
        const list = node('ul', 'rule-errors');
        list.append(...mine.map(errorItem));
        li.append(list);
      }
      return li;
    });
    const def = check.errors.filter((e) => e.rule === 'default');
    for (const e of def) pinned.add(e);
    const defItem = node('li', 'rule-card default');
    defItem.dataset.rule = 'default';
    defItem.setAttribute('data-testid', 'rule-card');
    defItem.append(node('p', 'rule-head', `${t('defaultTarget')}${parsed?.default?.queue ? ` · ${t('rule.queue', { queue: parsed.default.queue })}` : ''}`));
    if (def.length) {
      defItem.dataset.invalid = 'true';
      const list = node('ul', 'rule-errors');
      list.append(...def.map(errorItem));
      defItem.append(list);
    }
    outline.replaceChildren(...items, defItem);
    const rest = check.errors.filter((e) => !pinned.has(e));
    documentErrors.hidden = rest.length === 0;
    const list = node('ul', 'rule-errors');
    list.append(...rest.map(errorItem));
    documentErrors.replaceChildren(node('span', '', t('documentLevel')), list);
  }

  async function validateNow() {
    const seq = ++checkSeq;
    const text = editor.value;
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      check = { state: 'json', errors: [], jsonError: jsonProblem(text, /** @type {Error} */ (err)) };
      renderValidity();
      renderOutline();
      return;
    }
    if (active && text.trim() === active.text.trim()) {
      check = { state: 'unchanged', parsed, errors: [] };
      renderValidity();
      renderOutline();
      return;
    }
    if (!admin) {
      check = { state: 'idle', parsed, errors: [] };
      renderValidity();
      renderOutline();
      return;
    }
    check = { state: 'checking', parsed, errors: check.errors };
    renderValidity();
    const res = await call('POST', '/api/routing/rules/validate', parsed);
    if (seq !== checkSeq) return; // typed again meanwhile: that check wins
    if (res.ok) check = { state: 'valid', parsed, errors: [] };
    else if (res.status === 422) check = { state: 'invalid', parsed, errors: res.body.errors ?? [] };
    else check = { state: 'invalid', parsed, errors: [{ rule: '', field: '', message: res.body?.error?.message ?? t('error.generic') }] };
    renderValidity();
    renderOutline();
  }

  function scheduleValidate() {
    if (debounce) clearTimeout(debounce);
    check = { ...check, state: 'checking' };
    renderValidity();
    debounce = setTimeout(() => void validateNow(), VALIDATE_DELAY_MS);
  }

  async function loadActive() {
    const res = await call('GET', '/api/routing/rules');
    if (!res.ok) return;
    const { version, ...ruleSet } = res.body;
    active = { version, text: JSON.stringify(ruleSet, null, 2) };
    const badge = el(root, '[data-testid="active-version"]');
    badge.dataset.version = String(version);
    badge.textContent = t('activeVersion', { version: integer(version) });
  }

  async function loadVersions() {
    const [v, a] = await Promise.all([call('GET', '/api/routing/rules/versions'), call('GET', '/api/routing/audit')]);
    if (v.ok) versions = v.body.items;
    if (a.ok) audit = a.body.items;
    renderVersions();
  }

  function renderVersions() {
    el(root, '[data-field="no-versions"]').hidden = audit.length > 0;
    const activeVersion = versions.find((v) => v.active)?.version;
    versionsBody.replaceChildren(
      ...audit.map((entry, i) => {
        const tr = node('tr');
        tr.dataset.version = String(entry.version);
        tr.setAttribute('data-testid', 'audit-row');
        const version = node('th', '', integer(entry.version));
        version.setAttribute('scope', 'row');
        // The newest event names the live version.
        if (i === 0 && entry.version === activeVersion) version.append(node('span', 'badge small', t('v.active')));
        const actions = node('td', 'row-actions');
        const open = /** @type {HTMLButtonElement} */ (node('button', 'btn small', t('v.load')));
        open.type = 'button';
        open.addEventListener('click', () => void openVersion(entry.version));
        actions.append(open);
        if (admin && entry.version !== activeVersion) {
          const back = /** @type {HTMLButtonElement} */ (node('button', 'btn small', t('v.rollback')));
          back.type = 'button';
          back.setAttribute('data-testid', 'rollback');
          back.addEventListener('click', () => void rollback(entry.version));
          actions.append(back);
        }
        const action = entry.action === 'rollback' && entry.fromVersion !== null ? `${t('action.rollback')} ${integer(entry.version)}` : t(`action.${entry.action}`);
        tr.append(version, node('td', '', action), node('td', '', entry.by), node('td', '', dateTime(entry.at)), node('td', 'comment', entry.comment ?? ''), actions);
        return tr;
      }),
    );
    const options = () => versions.map((v) => Object.assign(document.createElement('option'), { value: String(v.version), textContent: `${integer(v.version)}${v.active ? ` (${t('v.active')})` : ''}` }));
    const keepFrom = diffFrom.value;
    const keepTo = diffTo.value;
    diffFrom.replaceChildren(...options());
    diffTo.replaceChildren(...options());
    diffTo.value = keepTo || String(activeVersion ?? versions[0]?.version ?? '');
    diffFrom.value = keepFrom || String(versions.find((v) => v.version !== Number(diffTo.value))?.version ?? diffTo.value);
  }

  /** @param {number} version */
  async function openVersion(version) {
    const res = await call('GET', `/api/routing/rules/versions/${version}`);
    if (!res.ok) return opts.toast(res.body?.error?.message ?? t('error.generic'));
    const { version: _v, ...ruleSet } = res.body;
    editor.value = JSON.stringify(ruleSet, null, 2);
    await validateNow();
  }

  /** @param {number} version */
  async function rollback(version) {
    if (!confirm(t('v.confirmRollback', { version: integer(version) }))) return;
    const res = await call('POST', '/api/routing/rules/rollback', { version, comment: comment.value.trim() || undefined });
    if (!res.ok) return opts.toast(res.body?.error?.message ?? t('error.generic'));
    opts.toast(t('v.rolledBack', { version: integer(version) }));
    await reload();
  }

  async function publish() {
    if (check.state !== 'valid' || !check.parsed) return;
    publishBtn.disabled = true;
    const res = await call('POST', '/api/routing/rules', { ...check.parsed, comment: comment.value.trim() || undefined });
    if (res.status === 422) {
      check = { state: 'invalid', parsed: check.parsed, errors: res.body?.error?.details?.errors ?? res.body?.errors ?? [] };
      renderValidity();
      renderOutline();
      return;
    }
    if (!res.ok) {
      renderValidity();
      return opts.toast(res.body?.error?.message ?? t('error.generic'));
    }
    lastPublished = res.body.version;
    renderPublished();
    comment.value = '';
    await reload();
  }

  function renderPublished() {
    publishResult.hidden = lastPublished === undefined;
    if (lastPublished === undefined) return;
    publishResult.dataset.version = String(lastPublished);
    publishResult.textContent = t('published', { version: integer(lastPublished) });
  }

  async function showDiff() {
    diffResult.replaceChildren();
    const res = await call('GET', `/api/routing/rules/diff?from=${encodeURIComponent(diffFrom.value)}&to=${encodeURIComponent(diffTo.value)}`);
    if (!res.ok) return opts.toast(res.body?.error?.message ?? t('error.generic'));
    lastDiff = res.body;
    renderDiff();
  }

  function renderDiff() {
    const d = lastDiff;
    if (!d) return;
    /** @type {string[]} */
    const lines = [];
    if (d.added.length) lines.push(t('diff.added', { rules: d.added.join(', ') }));
    if (d.removed.length) lines.push(t('diff.removed', { rules: d.removed.join(', ') }));
    for (const m of d.moved) lines.push(t('diff.moved', { rule: m.rule, from: integer(m.from + 1), to: integer(m.to + 1) }));
    for (const c of d.changed) for (const f of c.fields) lines.push(t('diff.changed', { rule: c.rule, field: f.field, from: show(f.from), to: show(f.to) }));
    for (const f of d.defaultChanged) lines.push(t('diff.default', { field: f.field, from: show(f.from), to: show(f.to) }));
    if (!lines.length) lines.push(t('diff.none'));
    diffResult.replaceChildren(...lines.map((l) => node('li', '', l)));
  }

  async function simulate() {
    const f = new FormData(simForm);
    const text = (/** @type {string} */ k) => String(f.get(k) ?? '').trim();
    const body = {
      call: { from: text('from'), language: text('language') },
      customer: { known: f.get('known') === 'on', tier: text('tier'), accountValue: Number(text('accountValue') || 0), openComplaints: Math.trunc(Number(text('openComplaints') || 0)), sentiment: Number(text('sentiment') || 0) },
      ivr: { intent: text('intent'), path: text('path').split(',').map((p) => p.trim()).filter(Boolean) },
      // The draft in the editor when it parses; the live rules otherwise.
      ...(check.parsed && check.state !== 'json' ? { rules: check.parsed } : {}),
    };
    lastSim = await call('POST', '/api/routing/simulate', body);
    renderSim();
  }

  function renderSim() {
    const res = lastSim;
    if (!res) return;
    if (!res.ok) {
      const errors = res.body?.errors ?? [{ rule: '', field: '', message: res.body?.error?.message ?? t('error.generic') }];
      simResult.replaceChildren(...errors.map((/** @type {any} */ e) => node('p', 'form-error', `${e.rule ? `${e.rule} · ` : ''}${e.field ? `${e.field}: ` : ''}${e.message}`)));
      return;
    }
    const r = res.body;
    const out = [node('p', 'sim-decision', t('sim.result', { rule: r.rule, queue: r.queue, priority: integer(r.priority) }))];
    out[0].dataset.rule = r.rule;
    out[0].dataset.queue = r.queue;
    out.push(node('p', '', r.agent ? t('sim.agent', { agent: r.agent.name }) : t('sim.noAgent')));
    for (const s of r.skipped ?? []) out.push(node('p', 'muted', t('sim.skipped', { rule: s.rule, reason: s.reason })));
    const steps = node('ol', 'sim-steps');
    steps.append(...(r.steps ?? []).map((/** @type {any} */ s) => node('li', '', t('sim.step', { s: integer(s.afterSeconds), queue: s.queue, callback: s.offerCallback ? t('sim.callback') : '' }))));
    out.push(steps);
    simResult.replaceChildren(...out);
  }

  async function reload() {
    await Promise.all([loadActive(), loadVersions()]);
    if (active) editor.value = active.text;
    await validateNow();
  }

  editor.addEventListener('input', scheduleValidate);
  publishBtn.addEventListener('click', () => void publish());
  el(root, '[data-testid="revert"]').addEventListener('click', () => {
    if (active) editor.value = active.text;
    void validateNow();
  });
  el(root, '#diff-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void showDiff();
  });
  simForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void simulate();
  });
  comment.placeholder = t('commentLabel');

  return {
    load: reload,
    relabel() {
      comment.placeholder = t('commentLabel');
      renderValidity();
      renderOutline();
      renderVersions();
      renderPublished();
      renderDiff();
      renderSim();
      if (active) el(root, '[data-testid="active-version"]').textContent = t('activeVersion', { version: integer(active.version) });
    },
    destroy() {
      if (debounce) clearTimeout(debounce);
    },
  };
}
