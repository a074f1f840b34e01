/**
 * Pure, deterministic IVR engine: (flow, session, input, context, now) -> Step.
 * No I/O, no clocks, no randomness — `now` is passed in so tests and replays agree.
 */
import type { TFlow, TNode } from './flow-schema.js';
import { getCompiled, type CelContext } from './cel.js';
import { buildGather, retryActions, type InteractiveNode } from './gather.js';
import { isOpen } from '../hours/business-hours.js';
import { matchInput } from './match.js';
import { sayPrompt } from './prompts.js';
import type { Action, CallInfo, CallerContext, IvrEvent, IvrEventResult, Input, ServiceResult, Session, Step } from './types.js';

/** Max nodes walked in one step; validated flows never get close. */
export const MAX_WALK = 50;

type Ctx = {
  flow: TFlow;
  caller: CallerContext;
  call: CallInfo;
  now: Date;
  session: Session;
  actions: Action[];
  events: IvrEvent[];
};

function isInteractive(node: TNode): node is InteractiveNode {
  return node.type === 'language' || node.type === 'menu' || node.type === 'collect' || node.type === 'rating';
}

function event(ctx: Ctx, nodeId: string, nodeType: string, result: IvrEventResult, input?: string, phase?: string): void {
  ctx.events.push({
    type: 'ivr_step',
    nodeId,
    nodeType,
    ...(input !== undefined ? { input } : {}),
    result,
    ...(phase !== undefined ? { phase } : {}),
    language: ctx.session.language,
  });
}

function celContext(ctx: Ctx): CelContext {
  const c = ctx.caller;
  return {
    caller: {
      known: c.known,
      name: c.name ?? '',
      language: c.language ?? '',
      tier: c.tier ?? '',
      openComplaint: c.openComplaint,
      accountValue: c.accountValue ?? 0,
    },
    call: { from: ctx.call.from, language: ctx.session.language },
    verification: { status: ctx.session.verification?.status ?? '', method: ctx.session.verification?.method ?? '' },
  };
}

function finish(ctx: Ctx, outcome: Step['outcome']): Step {
  return { session: ctx.session, actions: ctx.actions, events: ctx.events, ...(outcome ? { outcome } : {}) };
}

function hangUp(ctx: Ctx): Step {
  ctx.actions.push({ type: 'hangup' });
  return finish(ctx, { type: 'hangup' });
}

/** Walk non-interactive nodes from `startId` until a gather or a terminal. */
function walk(ctx: Ctx, startId: string): Step {
  const { flow, session } = ctx;
  let id = startId;
  for (let walked = 0; walked < MAX_WALK; walked++) {
    const node = flow.nodes[id];
    if (!node) {
      event(ctx, id, 'unknown', 'fallback');
      return hangUp(ctx);
    }
    switch (node.type) {
      case 'say':
        ctx.actions.push(sayPrompt(flow, node.prompt, session.language, ctx.caller));
        id = node.next;
        break;
      case 'play':
        ctx.actions.push({ type: 'play', url: node.url });
        id = node.next;
        break;
      case 'hours':
        // Missing hours config (unvalidated flow) fails closed rather than open.
        id = flow.hours && isOpen(flow.hours, ctx.now) ? node.open : node.closed;
        break;
      case 'branch': {
        const cel = celContext(ctx);
        id = node.cases.find((c) => getCompiled(flow, c.when)(cel))?.next ?? node.else;
        break;
      }
      case 'verify':
      case 'consent_withdraw':
      case 'consent':
      case 'set_pin':
        // Needs the world (consent register, vendor, PIN store): parked for the call layer,
        // which feeds the result back through `resume`.
        session.nodeId = id;
        session.attempts = 0;
        delete session.verify;
        session.path.push(id);
        event(ctx, id, node.type, 'entered');
        return { ...finish(ctx, undefined), service: { nodeId: id, type: node.type } };
      case 'queue':
      case 'hangup':
        session.nodeId = id;
        session.path.push(id);
        event(ctx, id, node.type, 'entered');
        if (node.prompt) ctx.actions.push(sayPrompt(flow, node.prompt, session.language, ctx.caller));
        if (node.type === 'hangup') return hangUp(ctx);
        ctx.actions.push({ type: 'enqueue', queue: node.queue });
        return finish(ctx, { type: 'queue', queue: node.queue });
      default:
        session.nodeId = id;
        session.attempts = 0;
        session.path.push(id);
        event(ctx, id, node.type, 'entered');
        ctx.actions.push(buildGather(flow, id, node, session.language, ctx.caller));
        return finish(ctx, undefined);
    }
  }
  event(ctx, id, flow.nodes[id]?.type ?? 'unknown', 'fallback');
  return hangUp(ctx);
}

function newCtx(flow: TFlow, session: Session, caller: CallerContext, call: CallInfo, now: Date): Ctx {
  // Copy so callers' session objects are never mutated (keeps replays deterministic).
  const copy: Session = { ...session, path: [...session.path], inputs: { ...session.inputs } };
  return { flow, caller, call, now, session: copy, actions: [], events: [] };
}

/**
 * Start a call: language = caller.language ?? flow.defaultLanguage, then walk
 * from `flow.start` to the first interactive or terminal node.
 */
export function startCall(flow: TFlow, caller: CallerContext, call: CallInfo, now: Date): Step {
  const session: Session = {
    flow: flow.name,
    nodeId: flow.start,
    language: caller.language ?? flow.defaultLanguage,
    attempts: 0,
    path: [],
    inputs: {},
  };
  return walk(newCtx(flow, session, caller, call, now), flow.start);
}

/**
 * Feed caller input to the interactive node `session.nodeId` and walk on.
 * Failed input re-prompts until `retries` failures, then goes to `fallback`.
 * A session not parked on an interactive node (already ended, or stale) hangs up.
 */
export function advance(
  flow: TFlow,
  session: Session,
  input: Input,
  caller: CallerContext,
  call: CallInfo,
  now: Date,
): Step {
  const ctx = newCtx(flow, session, caller, call, now);
  const s = ctx.session;
  const node = flow.nodes[s.nodeId];
  if (!node || !isInteractive(node)) {
    event(ctx, s.nodeId, node?.type ?? 'unknown', 'fallback');
    return hangUp(ctx);
  }
  const m = matchInput(node, input);
  switch (m.kind) {
    case 'language':
      s.language = m.language;
      break;
    case 'menu':
      s.intent = m.intent;
      break;
    case 'collect':
      if (node.type === 'collect') s.inputs[node.name] = node.sensitive ? '***' : m.value;
      break;
    case 'rating':
      if (node.type === 'rating') s.inputs[node.name] = String(m.value);
      break;
    default: {
      s.attempts += 1;
      event(ctx, s.nodeId, node.type, m.kind, m.kind === 'invalid' ? m.shown : undefined);
      if (s.attempts >= node.retries) {
        event(ctx, s.nodeId, node.type, 'fallback');
        return walk(ctx, node.fallback);
      }
      ctx.actions.push(...retryActions(flow, node, m.kind, s.language, caller));
      ctx.actions.push(buildGather(flow, s.nodeId, node, s.language, caller));
      return finish(ctx, undefined);
    }
  }
  event(ctx, s.nodeId, node.type, 'matched', m.shown);
  s.attempts = 0;
  const step = walk(ctx, m.next);
  if (m.kind === 'collect' && node.type === 'collect') {
    step.collected = { name: node.name, value: m.value, sensitive: node.sensitive };
  }
  return step;
}

/**
 * The call layer's result for the service node the session is parked on (`Step.service`):
 * a `verify` verdict becomes `session.verification` and picks the branch; a consent
 * withdrawal says its confirmation. A session not parked on a matching node hangs up.
 */
export function resume(flow: TFlow, session: Session, result: ServiceResult, caller: CallerContext, call: CallInfo, now: Date): Step {
  const ctx = newCtx(flow, session, caller, call, now);
  const s = ctx.session;
  const node = flow.nodes[s.nodeId];
  if (!node || node.type !== result.type) {
    event(ctx, s.nodeId, node?.type ?? 'unknown', 'fallback');
    return hangUp(ctx);
  }
  s.attempts = 0;
  delete s.verify;
  if (node.type === 'verify' && result.type === 'verify') {
    const v = result.verification;
    s.verification = v;
    event(ctx, s.nodeId, node.type, v.status, v.method);
    const next =
      v.status === 'verified' ? node.verified : v.status === 'failed' ? node.failed : v.status === 'locked' ? (node.locked ?? node.failed) : node.unverified;
    return walk(ctx, next);
  }
  if (node.type === 'consent_withdraw' && result.type === 'consent_withdraw') {
    event(ctx, s.nodeId, node.type, 'recorded', result.recorded ? 'withdrawn' : 'unknown_caller');
    ctx.actions.push(sayPrompt(flow, result.recorded ? node.prompt : node.unknownPrompt, s.language, caller));
    return walk(ctx, node.next);
  }
  if (node.type === 'consent' && result.type === 'consent') {
    const r = result.answer;
    const how = r === 'skipped' ? 'skipped' : r === 'no_answer' ? 'fallback' : result.asked ? 'recorded' : 'matched';
    event(ctx, s.nodeId, node.type, how, r === 'granted' || r === 'declined' ? r : undefined);
    return walk(ctx, r === 'granted' ? node.granted : r === 'skipped' ? (node.skip ?? node.declined) : node.declined);
  }
  if (node.type === 'set_pin' && result.type === 'set_pin') {
    const r = result.result;
    event(ctx, s.nodeId, node.type, r === 'changed' ? 'recorded' : r === 'failed' ? 'fallback' : 'skipped', r);
    if (r === 'changed') ctx.actions.push(sayPrompt(flow, node.changedPrompt, s.language, caller));
    return walk(ctx, r === 'changed' ? node.done : r === 'failed' ? node.failed : node.notAllowed);
  }
  return hangUp(ctx);
}
