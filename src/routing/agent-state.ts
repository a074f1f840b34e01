/**
 * Every way an agent's state may change, in one table. `agent-state-store.ts` is the only
 * code that writes `Agent.state` (and its event): each of its writes is one `cause` below,
 * and its SQL only moves an agent out of the states this table lists for that cause.
 */
export const AGENT_STATES = ['offline', 'available', 'reserved', 'busy', 'wrap_up', 'away'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

/**
 * Who makes a change: the agent themself, a supervisor or admin for them, routing (offers,
 * bridging, timers), the end of a call, and the reconciliation that repairs lost writes.
 */
export const AGENT_STATE_ACTORS = ['agent', 'admin', 'routing', 'call_end', 'reconcile'] as const;
export type AgentStateActor = (typeof AGENT_STATE_ACTORS)[number];

/** Why an agent changes state; each cause is one write in the agent-state store. */
export type TransitionCause =
  | 'status'
  | 'wrap_up_done'
  | 'offer'
  | 'accept'
  | 'offer_declined'
  | 'offers_missed'
  | 'bridge_failed'
  | 'caller_hung_up'
  | 'call_ended'
  | 'transferred'
  | 'wrap_up_over'
  | 'stranded';

export interface AgentTransition {
  from: AgentState;
  to: AgentState;
  cause: TransitionCause;
  by: readonly AgentStateActor[];
}

const SELF: readonly AgentStateActor[] = ['agent', 'admin'];
const t = (from: AgentState, to: AgentState, cause: TransitionCause, by: readonly AgentStateActor[]): AgentTransition => ({ from, to, cause, by });

// An agent on an offer (reserved) or a call (busy) finishes it first: those states are left
// by accept, reject, timeout, hang-up and reconciliation, never by a status click. The same
// status again is a change only with another reason (away: lunch -> away: training).
export const AGENT_TRANSITIONS: readonly AgentTransition[] = [
  t('offline', 'available', 'status', SELF),
  t('away', 'available', 'status', SELF),
  t('wrap_up', 'available', 'status', SELF),
  t('available', 'available', 'status', SELF),
  t('offline', 'away', 'status', SELF),
  t('available', 'away', 'status', SELF),
  t('wrap_up', 'away', 'status', SELF),
  t('away', 'away', 'status', SELF),
  t('available', 'offline', 'status', SELF),
  t('away', 'offline', 'status', SELF),
  t('wrap_up', 'offline', 'status', SELF),
  t('offline', 'offline', 'status', SELF),
  // The softphone's "done" after a call: leaves wrap-up only.
  t('wrap_up', 'available', 'wrap_up_done', ['agent']),
  // Routing offers a call to a free agent (under their concurrency, checked with it).
  t('available', 'reserved', 'offer', ['routing']),
  // The agent accepts: busy at their concurrency, else still available for more.
  t('reserved', 'busy', 'accept', ['routing']),
  t('reserved', 'available', 'accept', ['routing']),
  // Rejected, timed out or withdrawn; too many misses in a row and the agent is set away.
  t('reserved', 'available', 'offer_declined', ['routing']),
  t('reserved', 'away', 'offers_missed', ['routing']),
  // The provider could not connect the accepted call: it goes back in line, the agent is free.
  t('busy', 'available', 'bridge_failed', ['routing']),
  t('available', 'available', 'bridge_failed', ['routing']),
  // Wrap-up is timed; routing ends it when it is over.
  t('wrap_up', 'available', 'wrap_up_over', ['routing']),
  // The caller hangs up while being offered, or after being connected (the last call ends).
  t('reserved', 'available', 'caller_hung_up', ['call_end']),
  t('busy', 'wrap_up', 'call_ended', ['call_end']),
  t('available', 'wrap_up', 'call_ended', ['call_end']),
  // The agent handed the caller on (a transfer): the call ends for them, wrap-up starts.
  t('busy', 'wrap_up', 'transferred', ['call_end']),
  t('available', 'wrap_up', 'transferred', ['call_end']),
  // A lost write left an agent reserved with no open offer, or busy with no call.
  t('reserved', 'available', 'stranded', ['reconcile']),
  t('busy', 'wrap_up', 'stranded', ['reconcile']),
];

/** The states `cause` may move an agent out of (towards `to`, and by `by`, when given). */
export function fromStates(cause: TransitionCause, to?: AgentState, by?: AgentStateActor): AgentState[] {
  const rows = AGENT_TRANSITIONS.filter((x) => x.cause === cause && (to === undefined || x.to === to) && (by === undefined || x.by.includes(by)));
  return [...new Set(rows.map((x) => x.from))];
}

export type TransitionCheck = { ok: true; cause: TransitionCause } | { ok: false; reason: string };

/**
 * May `by` move an agent from `from` to `to` (for `cause`, when given)? The refusal says why,
 * in words an agent or admin understands.
 */
export function checkTransition(from: AgentState, to: AgentState, by: AgentStateActor, cause?: TransitionCause): TransitionCheck {
  const rows = AGENT_TRANSITIONS.filter((x) => x.from === from && x.to === to && (cause === undefined || x.cause === cause));
  const allowed = rows.find((x) => x.by.includes(by));
  if (allowed) return { ok: true, cause: allowed.cause };
  if ((from === 'reserved' || from === 'busy') && SELF.includes(by)) return { ok: false, reason: `agent is ${from}; finish the offer or call first` };
  const others = [...new Set(rows.flatMap((x) => x.by))];
  if (others.length > 0) return { ok: false, reason: `agent is ${from}; only ${others.join(' or ')} may make them ${to}` };
  return { ok: false, reason: `agent is ${from}; ${cause ? `${cause} does not move` : 'nothing moves'} an agent from ${from} to ${to}` };
}
