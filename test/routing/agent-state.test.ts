import { describe, expect, it } from 'vitest';
import { AGENT_STATE_ACTORS, AGENT_STATES, AGENT_TRANSITIONS, checkTransition, fromStates } from '../../src/routing/agent-state.js';

describe('agent state transitions', () => {
  it('allows every transition the table lists, for each actor it names and for its cause', () => {
    for (const t of AGENT_TRANSITIONS) {
      for (const by of t.by) {
        expect(checkTransition(t.from, t.to, by, t.cause), `${t.from} -> ${t.to} by ${by} (${t.cause})`).toEqual({ ok: true, cause: t.cause });
        expect(checkTransition(t.from, t.to, by).ok).toBe(true);
      }
    }
  });

  it('refuses an agent or admin who tries to leave an offer or a call by a status click, saying to finish it first', () => {
    for (const from of ['reserved', 'busy'] as const) {
      for (const to of ['available', 'away', 'offline'] as const) {
        for (const by of ['agent', 'admin'] as const) {
          expect(checkTransition(from, to, by)).toEqual({ ok: false, reason: `agent is ${from}; finish the offer or call first` });
        }
      }
    }
  });

  it('refuses an agent who makes themself reserved, busy or wrap-up, naming who may', () => {
    expect(checkTransition('available', 'reserved', 'agent')).toEqual({ ok: false, reason: 'agent is available; only routing may make them reserved' });
    expect(checkTransition('reserved', 'busy', 'admin')).toEqual({ ok: false, reason: 'agent is reserved; finish the offer or call first' });
    expect(checkTransition('busy', 'wrap_up', 'agent')).toEqual({ ok: false, reason: 'agent is busy; finish the offer or call first' });
    expect(checkTransition('available', 'wrap_up', 'agent')).toEqual({ ok: false, reason: 'agent is available; only call_end may make them wrap_up' });
  });

  it('refuses routing an offer to an agent who is not available, and any move the table does not know', () => {
    for (const from of AGENT_STATES.filter((s) => s !== 'available')) {
      expect(checkTransition(from, 'reserved', 'routing', 'offer')).toMatchObject({ ok: false });
    }
    expect(checkTransition('offline', 'busy', 'routing')).toEqual({ ok: false, reason: 'agent is offline; nothing moves an agent from offline to busy' });
    expect(checkTransition('away', 'available', 'agent', 'wrap_up_done')).toEqual({ ok: false, reason: 'agent is away; wrap_up_done does not move an agent from away to available' });
  });

  it('lets only the states an offer, a call end or a wrap-up timer may leave be left by them', () => {
    expect(fromStates('offer')).toEqual(['available']);
    expect(fromStates('accept')).toEqual(['reserved']);
    expect(fromStates('wrap_up_over')).toEqual(['wrap_up']);
    expect(fromStates('call_ended').sort()).toEqual(['available', 'busy']);
    expect(fromStates('status', 'available', 'agent').sort()).toEqual(['available', 'away', 'offline', 'wrap_up']);
    expect(fromStates('status', 'available', 'routing')).toEqual([]);
  });

  it('names only known states and actors', () => {
    for (const t of AGENT_TRANSITIONS) {
      expect(AGENT_STATES).toContain(t.from);
      expect(AGENT_STATES).toContain(t.to);
      for (const by of t.by) expect(AGENT_STATE_ACTORS).toContain(by);
    }
  });
});
