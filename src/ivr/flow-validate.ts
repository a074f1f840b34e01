/**
 * validateFlow: zod shape + graph integrity for IVR flows.
 */
import { ZFlow, type TFlow, type TNode } from './flow-schema.js';
import { compileLinearPattern } from '../cel/linear-matches.js';
import { compileExpr } from './cel.js';

export type FlowError = { path: string; message: string };
export type ValidateResult = { ok: true; flow: TFlow } | { ok: false; errors: FlowError[] };

// verify, consent_withdraw, consent and set_pin may settle without the caller (an unknown or
// unverified caller, a standing answer), so a loop through them alone could spin: treated as non-interactive.
const NON_INTERACTIVE = new Set(['say', 'play', 'hours', 'branch', 'verify', 'consent_withdraw', 'consent', 'set_pin']);
const TERMINAL = new Set(['queue', 'hangup']);

/** Render a zod-style path array as "nodes.main.options[1].next". */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Outgoing references of a node as [relative path, target id]. */
export function edgesOf(node: TNode): Array<[string, string]> {
  switch (node.type) {
    case 'say':
    case 'play':
      return [['next', node.next]];
    case 'language':
    case 'collect':
    case 'rating':
      return [['next', node.next], ['fallback', node.fallback]];
    case 'menu':
      return [
        ...node.options.map((o, i): [string, string] => [`options[${i}].next`, o.next]),
        ['fallback', node.fallback],
      ];
    case 'hours':
      return [['open', node.open], ['closed', node.closed]];
    case 'branch':
      return [...node.cases.map((c, i): [string, string] => [`cases[${i}].next`, c.next]), ['else', node.else]];
    case 'verify':
      return [['verified', node.verified], ['failed', node.failed], ['unverified', node.unverified], ...(node.locked ? [['locked', node.locked] as [string, string]] : [])];
    case 'consent_withdraw':
      return [['next', node.next]];
    case 'consent':
      return [['granted', node.granted], ['declined', node.declined], ...(node.skip ? [['skip', node.skip] as [string, string]] : [])];
    case 'set_pin':
      return [['done', node.done], ['failed', node.failed], ['notAllowed', node.notAllowed]];
    default:
      return [];
  }
}

/**
 * Validate an untrusted flow definition.
 * @returns the parsed flow (defaults applied) or every error found, each with a
 * dotted path naming the node and field.
 */
export function validateFlow(json: unknown): ValidateResult {
  const parsed = ZFlow.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ path: formatPath(i.path) || '(root)', message: i.message })),
    };
  }
  const flow = parsed.data;
  const errors: FlowError[] = [];
  const nodes = flow.nodes;
  const exists = (id: string) => Object.hasOwn(nodes, id);

  if (!exists(flow.start)) errors.push({ path: 'start', message: `unknown node '${flow.start}'` });

  for (const [id, node] of Object.entries(nodes)) {
    for (const [field, target] of edgesOf(node)) {
      if (!exists(target)) errors.push({ path: `nodes.${id}.${field}`, message: `unknown node '${target}'` });
    }
    checkNode(flow, id, node, errors);
  }
  // Loop/reachability analysis is meaningless over dangling edges; report those first.
  if (errors.length === 0) {
    findNonInteractiveLoop(nodes, errors);
    if (!terminalReachable(flow)) {
      errors.push({ path: 'start', message: 'no queue or hangup node is reachable from start' });
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, flow };
}

function checkNode(flow: TFlow, id: string, node: TNode, errors: FlowError[]): void {
  const at = `nodes.${id}`;
  if (node.type === 'hours' && !flow.hours) {
    errors.push({ path: `${at}.type`, message: `hours node '${id}' requires flow.hours` });
  }
  if (node.type === 'branch') {
    node.cases.forEach((c, i) => {
      const res = compileExpr(c.when);
      if (!res.ok) errors.push({ path: `${at}.cases[${i}].when`, message: res.error });
    });
  }
  // Matched against caller digits on RE2 (src/ivr/match.ts): refuse what RE2 cannot run.
  if (node.type === 'collect' && node.pattern !== undefined) {
    const compiled = compileLinearPattern(node.pattern);
    if (!compiled.ok) errors.push({ path: `${at}.pattern`, message: compiled.error });
  }
  // Only a caller a verify node verified in this call may set a PIN: without one, `done` is unreachable.
  if (node.type === 'set_pin' && !Object.values(flow.nodes).some((n) => n.type === 'verify')) {
    errors.push({ path: `${at}.type`, message: `set_pin node '${id}' needs a verify node in the flow: only a verified caller may set a PIN` });
  }
  if (node.type === 'menu') {
    const seen = new Set<string>();
    node.options.forEach((o, i) => {
      if (seen.has(o.digit)) errors.push({ path: `${at}.options[${i}].digit`, message: `duplicate digit '${o.digit}'` });
      seen.add(o.digit);
    });
  }
}

/** DFS over say/play/hours/branch (and service-node) edges only; a back edge there would spin forever without caller input. */
function findNonInteractiveLoop(nodes: TFlow['nodes'], errors: FlowError[]): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): boolean => {
    const node = nodes[id];
    if (!node || !NON_INTERACTIVE.has(node.type)) return false;
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      errors.push({ path: `nodes.${id}`, message: `non-interactive loop: ${cycle.join(' -> ')}` });
      return true;
    }
    state.set(id, 'visiting');
    stack.push(id);
    for (const [, target] of edgesOf(node)) if (visit(target)) return true;
    stack.pop();
    state.set(id, 'done');
    return false;
  };
  for (const id of Object.keys(nodes).sort()) if (visit(id)) return;
}

function terminalReachable(flow: TFlow): boolean {
  const seen = new Set<string>([flow.start]);
  const queue = [flow.start];
  while (queue.length) {
    const node = flow.nodes[queue.shift()!];
    if (!node) continue;
    if (TERMINAL.has(node.type)) return true;
    for (const [, t] of edgesOf(node)) {
      if (!seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  return false;
}
