import { describe, expect, it } from 'vitest';
import { explainIneligible, selectAgent, type AgentSnapshot } from '../../../src/routing/rules/index.js';

const agent = (id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  id,
  state: 'available',
  skills: {},
  languages: ['ar', 'en'],
  activeCount: 0,
  maxConcurrency: 1,
  idleSince: 1_000,
  ...over,
});

describe('selectAgent', () => {
  it('picks the longest-idle eligible agent', () => {
    const agents = [agent('a', { idleSince: 3000 }), agent('b', { idleSince: 1000 }), agent('c', { idleSince: 2000 })];
    expect(selectAgent(agents, { skills: {} })?.id).toBe('b');
  });

  it('breaks idle-time ties by id', () => {
    const agents = [agent('m'), agent('c'), agent('x')];
    expect(selectAgent(agents, { skills: {} })?.id).toBe('c');
  });

  it('prefers the requested agent when eligible, even if not longest idle', () => {
    const agents = [agent('a', { idleSince: 1 }), agent('last', { idleSince: 9_999 })];
    expect(selectAgent(agents, { skills: {}, preferAgentId: 'last' })?.id).toBe('last');
  });

  it('ignores the preferred agent when not eligible', () => {
    const agents = [agent('a', { idleSince: 5 }), agent('last', { state: 'busy', idleSince: 1 })];
    expect(selectAgent(agents, { skills: {}, preferAgentId: 'last' })?.id).toBe('a');
  });

  it('requires every skill at or above its minimum level', () => {
    const agents = [
      agent('low', { skills: { billing: 2, support: 5 }, idleSince: 1 }),
      agent('one', { skills: { billing: 5 }, idleSince: 2 }),
      agent('ok', { skills: { billing: 3, support: 1 }, idleSince: 3 }),
    ];
    expect(selectAgent(agents, { skills: { billing: 3, support: 1 } })?.id).toBe('ok');
    expect(selectAgent(agents, { skills: { billing: 6 } })).toBeUndefined();
  });

  it('is not fooled by skill names that exist on Object.prototype', () => {
    expect(selectAgent([agent('a')], { skills: { constructor: 1 } })).toBeUndefined();
    expect(explainIneligible(agent('a'), { skills: { constructor: 1 } })).toBe('missing skill constructor>=1');
  });

  it('requires the caller language when given', () => {
    const agents = [agent('en', { languages: ['en'], idleSince: 1 }), agent('ar', { languages: ['ar'], idleSince: 2 })];
    expect(selectAgent(agents, { skills: {}, language: 'ar' })?.id).toBe('ar');
    expect(selectAgent(agents, { skills: {} })?.id).toBe('en');
  });

  it('only considers available agents with spare concurrency', () => {
    const agents = [
      agent('busy', { state: 'busy', idleSince: 1 }),
      agent('wrap', { state: 'wrap_up', idleSince: 1 }),
      agent('full', { activeCount: 2, maxConcurrency: 2, idleSince: 1 }),
      agent('chat', { activeCount: 1, maxConcurrency: 3, idleSince: 5 }),
    ];
    expect(selectAgent(agents, { skills: {} })?.id).toBe('chat');
  });

  it('skips excluded agents (e.g. ones who just rejected the call)', () => {
    const agents = [agent('a', { idleSince: 1 }), agent('b', { idleSince: 2 })];
    expect(selectAgent(agents, { skills: {}, excludeAgentIds: new Set(['a']) })?.id).toBe('b');
    expect(selectAgent(agents, { skills: {}, preferAgentId: 'a', excludeAgentIds: new Set(['a']) })?.id).toBe('b');
  });

  it('returns undefined for no agents', () => {
    expect(selectAgent([], { skills: {} })).toBeUndefined();
  });
});

describe('explainIneligible', () => {
  it('says why an agent cannot take the call', () => {
    const req = { skills: { billing: 3 }, language: 'ar', excludeAgentIds: new Set(['x']) };
    expect(explainIneligible(agent('a', { state: 'busy' }), req)).toBe('state busy');
    expect(explainIneligible(agent('a', { activeCount: 1 }), req)).toBe('at capacity 1/1');
    expect(explainIneligible(agent('x', { skills: { billing: 3 } }), req)).toBe('excluded');
    expect(explainIneligible(agent('a', { languages: ['en'], skills: { billing: 3 } }), req)).toBe('does not speak ar');
    expect(explainIneligible(agent('a'), req)).toBe('missing skill billing>=3');
    expect(explainIneligible(agent('a', { skills: { billing: 2 } }), req)).toBe('missing skill billing>=3 (has 2)');
    expect(explainIneligible(agent('a', { skills: { billing: 3 } }), req)).toBeUndefined();
  });

  it('agrees with selectAgent on random agents', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const states = ['offline', 'available', 'reserved', 'busy', 'wrap_up', 'away'] as const;
    for (let i = 0; i < 500; i++) {
      const a = agent(`a${i}`, {
        state: rand() < 0.6 ? 'available' : states[Math.floor(rand() * states.length)]!,
        skills: { billing: Math.floor(rand() * 5), support: Math.floor(rand() * 5) },
        languages: rand() < 0.5 ? ['ar'] : ['en'],
        activeCount: Math.floor(rand() * 2),
        maxConcurrency: 1 + Math.floor(rand() * 2),
      });
      const req = { skills: { billing: 2 }, language: 'ar', excludeAgentIds: new Set(['a7']) };
      expect(selectAgent([a], req) !== undefined).toBe(explainIneligible(a, req) === undefined);
    }
  });
});
