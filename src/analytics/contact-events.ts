import { wrapUpAfter, type ContactContext, type ContactEvent, type StateChange } from './kpi-definitions.js';
import type { CallEventRow, ContactRow, SurveyFacts } from './kpi-sources.js';

/**
 * A stored contact as the events the KPI definitions read. How each is measured from what
 * we store (README "KPIs"):
 * - answered: the entry's accept (`assignedAt`); each later `accepted` call event by another
 *   agent is a transfer leg;
 * - the end: the call's `endedAt`; for a callback (its caller hung up long before), when the
 *   agent went to wrap-up after the callback leg;
 * - wrap-up: the agent's `wrap_up` stretch entered at the end of the call; for an Amazon
 *   Connect contact, the after-contact work its COMPLETED reported (the CCP keeps the agent's
 *   state, not us), none until COMPLETED comes;
 * - hold: `hold`/`unhold` call events (none are recorded yet, so hold is 0 for now).
 */
export function contactEvents(
  row: ContactRow,
  callEvents: readonly CallEventRow[],
  surveys: readonly SurveyFacts[],
  agentChanges: (agentId: string) => readonly StateChange[],
): { events: ContactEvent[]; ctx: ContactContext } {
  const events: ContactEvent[] = [{ type: 'queued', at: row.enqueuedAt, queue: row.queue }];
  const callback = row.kind === 'callback';
  if (callback) events.push({ type: 'callback_requested', at: row.enqueuedAt });

  const legs: Array<{ agentId: string; at: Date }> = [];
  // agentId '' (a Connect agent we cannot name) is still an answer: credited to no agent.
  if (row.assignedAt && row.agentId !== null) {
    // An accept undone (the bridge failed) came before the entry's assignedAt: not a leg.
    const accepted = callEvents
      .filter((e) => e.type === 'accepted' && e.data.agentId && e.at.getTime() >= row.assignedAt!.getTime())
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const firstAgent = accepted[0]?.data.agentId ?? row.agentId;
    legs.push({ agentId: firstAgent, at: row.assignedAt });
    for (const e of accepted.slice(1)) if (e.data.agentId !== legs[legs.length - 1]!.agentId) legs.push({ agentId: e.data.agentId!, at: e.at });
  }
  for (const leg of legs) events.push({ type: 'answered', at: leg.at, agentId: leg.agentId });

  const last = legs[legs.length - 1];
  let ended: Date | null = null;
  if (!callback) ended = row.endedAt ?? (row.outcome === 'abandoned' ? row.enqueuedAt : null);
  else if (last) ended = agentChanges(last.agentId).find((c) => c.state === 'wrap_up' && c.at.getTime() >= last.at.getTime())?.at ?? null;
  if (ended) {
    events.push({ type: 'ended', at: ended });
    if (last) {
      const wrap = row.connect ? connectWrapUp(row.connect, ended) : wrapUpAfter(agentChanges(last.agentId), ended);
      if (wrap === 'none') events.push({ type: 'wrap_up_ended', at: ended });
      else if (wrap !== 'ongoing') events.push({ type: 'wrap_up_ended', at: wrap.endedAt });
    }
  }

  for (const e of callEvents) {
    if (e.type === 'hold' || e.type === 'unhold') events.push({ type: e.type, at: e.at });
    else if (e.type === 'wrapup') events.push({ type: 'wrapup', at: e.at, agentId: e.data.agentId ?? '', resolved: e.data.resolved === 'true' });
  }
  for (const s of surveys) events.push({ type: 'survey', at: s.at, csat: s.csat, nps: s.nps });
  return { events, ctx: { customerId: row.customerId, priorContact: row.priorContact === true, repeatContact: row.repeatContact === true } };
}

/**
 * A Connect contact's wrap-up as `wrapUpAfter` tells ours: 'ongoing' until COMPLETED comes,
 * then 'none' or the after-contact work. Its length is Connect's own (start to end), laid
 * after the call's end, so that a gap between the disconnect and the work is not counted.
 */
function connectWrapUp(c: NonNullable<ContactRow['connect']>, ended: Date): { endedAt: Date } | 'none' | 'ongoing' {
  if (!c.completed) return 'ongoing';
  const start = c.wrapUpStartedAt ? Date.parse(c.wrapUpStartedAt) : NaN;
  const end = c.wrapUpEndedAt ? Date.parse(c.wrapUpEndedAt) : NaN;
  if (!(end >= start)) return 'none';
  return { endedAt: new Date(ended.getTime() + (end - start)) };
}
