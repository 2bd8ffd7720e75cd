import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter, runScore } from '../../testing/builders.js';
import { Code } from '../../framework/types.js';
import { newTaintToleration } from './index.js';

test('TaintToleration filter: NoSchedule and NoExecute need a toleration', () => {
  const node = (effect: string) => makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect }] });
  const cases: [string, string, unknown[] | undefined, string][] = [
    ['untolerated NoSchedule', 'NoSchedule', undefined, 'node(s) had untolerated taint {dedicated: gpu}'],
    ['untolerated NoExecute', 'NoExecute', undefined, 'node(s) had untolerated taint {dedicated: gpu}'],
    ['PreferNoSchedule does not filter', 'PreferNoSchedule', undefined, ''],
    ['Equal toleration', 'NoSchedule', [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], ''],
    ['default operator is Equal', 'NoSchedule', [{ key: 'dedicated', value: 'gpu' }], ''],
    ['wrong value', 'NoSchedule', [{ key: 'dedicated', value: 'cpu' }], 'node(s) had untolerated taint {dedicated: gpu}'],
    ['Exists on key', 'NoExecute', [{ key: 'dedicated', operator: 'Exists' }], ''],
    ['empty key Exists tolerates all', 'NoSchedule', [{ operator: 'Exists' }], ''],
    ['effect mismatch', 'NoExecute', [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }], 'node(s) had untolerated taint {dedicated: gpu}'],
  ];
  for (const [name, effect, tolerations, want] of cases) {
    const got = runFilter(newTaintToleration(), makePod('p', { spec: { tolerations } }), [node(effect)]);
    assert.equal(reasonsOf(got).n, want, name);
    if (want) assert.equal(got.get('n')?.code, Code.UnschedulableAndUnresolvable);
  }
});

test('TaintToleration score: fewer untolerated PreferNoSchedule taints is better', () => {
  const soft = (key: string) => ({ key, value: 'x', effect: 'PreferNoSchedule' });
  const nodes = [makeNode('none'), makeNode('one', { taints: [soft('a')] }), makeNode('two', { taints: [soft('a'), soft('b')] })];
  assert.deepEqual(Object.fromEntries(runScore(newTaintToleration(), makePod('p'), nodes)), { none: 100, one: 50, two: 0 });
  const tolerant = makePod('p', { spec: { tolerations: [{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  assert.deepEqual(Object.fromEntries(runScore(newTaintToleration(), tolerant, nodes)), { none: 100, one: 0, two: 0 });
});
