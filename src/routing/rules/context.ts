/**
 * The typed CEL environment routing conditions are written against, and the
 * context values they are evaluated with.
 *
 * Fields are declared as CEL types so a typo (`customer.vip`) or a type mix-up
 * (`customer.accountValue > "x"`) fails validation when an admin saves the rule,
 * not when a live call hits it.
 */
import { Environment } from '@marcbachmann/cel-js';
import { withLinearMatches } from '../../cel/linear-matches.js';
import { EXPERIENCE } from '../../analytics/experience/experience-formula.js';

/** What the routing layer knows about the call itself. */
export interface RoutingCall {
  /** Caller number (E.164 when known). */
  from: string;
  /** Caller language chosen in the IVR, e.g. "ar" or "en". */
  language: string;
  /** Queue the IVR asked for (may be ""). */
  queue: string;
  /** Seconds waited so far (whole seconds). */
  waitSeconds: number;
}

/** CRM facts about the caller; defaults describe an unknown caller. */
export interface RoutingCustomer {
  known: boolean;
  tier: string;
  accountValue: number;
  /** Whole number of open complaints. */
  openComplaints: number;
  /** −1 (angry) … 1 (happy). */
  sentiment: number;
  /** Agent who last handled this customer, "" if none. */
  lastAgentId: string;
  /** The customer's experience score 0-100 (README); the neutral 70 when unknown. */
  experienceScore: number;
}

/** What the caller did in the IVR. */
export interface RoutingIvr {
  path: string[];
  intent: string;
  inputs: Record<string, string>;
}

/** Fully populated routing context (see {@link fillContextDefaults}). */
export interface RoutingContext {
  call: RoutingCall;
  customer: RoutingCustomer;
  ivr: RoutingIvr;
}

/** Partial context as callers (webhooks, the simulator) usually have it. */
export interface RoutingContextInput {
  call?: Partial<RoutingCall>;
  customer?: Partial<RoutingCustomer>;
  ivr?: Partial<RoutingIvr>;
}

// CEL values are passed as instances of registered types: the library then reads
// fields directly instead of copying a plain object into a Map on every access,
// which halves evaluation time over hundreds of rules.
class CelCall {
  constructor(
    readonly from: string,
    readonly language: string,
    readonly queue: string,
    readonly waitSeconds: bigint,
  ) {}
}
class CelCustomer {
  constructor(
    readonly known: boolean,
    readonly tier: string,
    readonly accountValue: number,
    readonly openComplaints: bigint,
    readonly sentiment: number,
    readonly lastAgentId: string,
    readonly experienceScore: number,
  ) {}
}
class CelIvr {
  constructor(
    readonly path: string[],
    readonly intent: string,
    readonly inputs: Map<string, string>,
  ) {}
}

/** Variables in the shape the CEL evaluators expect (ints as BigInt, maps as Map). */
export interface CelVariables {
  call: CelCall;
  customer: CelCustomer;
  ivr: CelIvr;
}

/**
 * The one shared environment. Creating environments is expensive, so build it once.
 * Limits are tight because conditions are short admin-written predicates; they also
 * turn pathological input (10 000 nested parentheses) into a parse error instead of
 * a stack overflow. `matches` runs on RE2 (linear time), but only for expressions parsed by
 * compileCondition, which redirects it: never parse or evaluate with this directly.
 */
export const routingCelEnvironment = withLinearMatches(
  new Environment({
    limits: { maxAstNodes: 2000, maxDepth: 48, maxListElements: 200, maxMapEntries: 100, maxCallArguments: 8 },
  }),
)
  .registerType('RoutingCall', {
    ctor: CelCall,
    fields: { from: 'string', language: 'string', queue: 'string', waitSeconds: 'int' },
  })
  .registerType('RoutingCustomer', {
    ctor: CelCustomer,
    fields: {
      known: 'bool',
      tier: 'string',
      accountValue: 'double',
      openComplaints: 'int',
      sentiment: 'double',
      lastAgentId: 'string',
      experienceScore: 'double',
    },
  })
  .registerType('RoutingIvr', {
    ctor: CelIvr,
    fields: { path: 'list<string>', intent: 'string', inputs: 'map<string, string>' },
  })
  .registerVariable('call', 'RoutingCall', { description: 'The call: from, language, queue, waitSeconds' })
  .registerVariable('customer', 'RoutingCustomer', {
    description: 'CRM facts: known, tier, accountValue, openComplaints, sentiment, lastAgentId, experienceScore',
  })
  .registerVariable('ivr', 'RoutingIvr', { description: 'IVR outcome: path, intent, inputs' });

/** A caller without a score (unknown, or never computed) is neither happy nor unhappy. */
export const NEUTRAL_EXPERIENCE_SCORE = EXPERIENCE.neutral;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const int = (v: unknown): number => Math.trunc(num(v));
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Fill every missing or mistyped field with its "unknown caller" default
 * (known false, tier "", accountValue 0, …), so conditions never hit a missing
 * field at runtime. Accepts untrusted JSON (e.g. from the simulator) and never throws.
 */
export function fillContextDefaults(input: unknown): RoutingContext {
  const root = isRecord(input) ? input : {};
  const call = isRecord(root.call) ? root.call : {};
  const customer = isRecord(root.customer) ? root.customer : {};
  const ivr = isRecord(root.ivr) ? root.ivr : {};
  const inputs: Record<string, string> = {};
  if (isRecord(ivr.inputs)) {
    for (const [k, v] of Object.entries(ivr.inputs)) if (typeof v === 'string') inputs[k] = v;
  }
  return {
    call: {
      from: str(call.from),
      language: str(call.language),
      queue: str(call.queue),
      waitSeconds: Math.max(0, int(call.waitSeconds)),
    },
    customer: {
      known: customer.known === true,
      tier: str(customer.tier),
      accountValue: num(customer.accountValue),
      openComplaints: Math.max(0, int(customer.openComplaints)),
      sentiment: Math.min(1, Math.max(-1, num(customer.sentiment))),
      lastAgentId: str(customer.lastAgentId),
      experienceScore: Math.min(100, Math.max(0, num(customer.experienceScore, NEUTRAL_EXPERIENCE_SCORE))),
    },
    ivr: {
      path: Array.isArray(ivr.path) ? ivr.path.filter((p): p is string => typeof p === 'string') : [],
      intent: str(ivr.intent),
      inputs,
    },
  };
}

/**
 * Convert a context into CEL variables. Done once per decision (not per rule);
 * re-applies defaults so a hand-built context with a hole cannot fail every rule.
 */
export function toCelVariables(ctx: RoutingContext | RoutingContextInput): CelVariables {
  const c = fillContextDefaults(ctx);
  return {
    call: new CelCall(c.call.from, c.call.language, c.call.queue, BigInt(c.call.waitSeconds)),
    customer: new CelCustomer(
      c.customer.known,
      c.customer.tier,
      c.customer.accountValue,
      BigInt(c.customer.openComplaints),
      c.customer.sentiment,
      c.customer.lastAgentId,
      c.customer.experienceScore,
    ),
    ivr: new CelIvr(c.ivr.path, c.ivr.intent, new Map(Object.entries(c.ivr.inputs))),
  };
}
