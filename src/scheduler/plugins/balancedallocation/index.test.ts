import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, runScore } from '../../testing/builders.js';
import { balancedScore, newBalancedAllocation } from './index.js';

test('BalancedAllocation: 100 * (1 - |cpuFraction - memFraction| / 2)', () => {
  const nodes = [makeNode('a', { cpu: '4', memory: '4000' }), makeNode('b', { cpu: '4', memory: '16000' })];
  const pod = makePod('p', { cpu: '2', memory: '2000' });
  const got = runScore(newBalancedAllocation(), pod, nodes);
  assert.equal(got.get('a'), 100); // 0.5 vs 0.5
  assert.equal(got.get('b'), Math.trunc((1 - (0.5 - 0.125) / 2) * 100)); // 81
  assert.equal(balancedScore([1, 2, 3], [2, 2, 3]), Math.trunc((1 - Math.sqrt(((0.5 - 5 / 6) ** 2 + 2 * (1 - 5 / 6) ** 2) / 3)) * 100));
  // best-effort pods are skipped (all 0)
  assert.deepEqual([...runScore(newBalancedAllocation(), makePod('be'), nodes).values()], [0, 0]);
});
