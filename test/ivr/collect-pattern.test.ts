/**
 * A collect node's `pattern` is matched against the caller's digits on RE2: a pattern that
 * would backtrack catastrophically (`(1+)+0` against 32 ones) answers at once instead of
 * blocking the node while every other caller waits.
 */
import { describe, expect, it } from 'vitest';
import { demoFlowDefinition } from '../../src/ivr/demo-flow.js';
import { validateFlow } from '../../src/ivr/flow-validate.js';
import type { TCollectNode } from '../../src/ivr/flow-schema.js';
import { matchInput } from '../../src/ivr/match.js';

function collectWith(pattern: string): TCollectNode {
  const flow: any = structuredClone(demoFlowDefinition);
  Object.assign(flow.nodes.account, { pattern, minDigits: 1, maxDigits: 32 });
  const res = validateFlow(flow);
  if (!res.ok) throw new Error(JSON.stringify(res.errors));
  return res.flow.nodes.account as TCollectNode;
}

describe('collect pattern', () => {
  it('refuses 32 ones against (1+)+0 as invalid input, and accepts a value that matches', () => {
    const node = collectWith('(1+)+0');
    expect(matchInput(node, { digits: '1'.repeat(32) })).toMatchObject({ kind: 'invalid' });
    expect(matchInput(node, { digits: `${'1'.repeat(31)}0` })).toMatchObject({ kind: 'collect', value: `${'1'.repeat(31)}0` });
  });

  it('matches the whole value, not a part of it', () => {
    const node = collectWith('[0-9]{3}');
    expect(matchInput(node, { digits: '123' })).toMatchObject({ kind: 'collect', value: '123' });
    expect(matchInput(node, { digits: '1234' })).toMatchObject({ kind: 'invalid' });
  });
});
