import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter } from '../../testing/builders.js';
import { newNodeUnschedulable } from './index.js';

test('NodeUnschedulable filter: cordoned nodes need the unschedulable toleration', () => {
  const nodes = [makeNode('open'), makeNode('cordoned', { unschedulable: true })];
  const cases: [string, unknown[] | undefined, string][] = [
    ['no toleration', undefined, 'node(s) were unschedulable'],
    ['tolerates by key', [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], ''],
    ['tolerates everything', [{ operator: 'Exists' }], ''],
    ['wrong effect', [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], 'node(s) were unschedulable'],
  ];
  for (const [name, tolerations, want] of cases) {
    const got = reasonsOf(runFilter(newNodeUnschedulable(), makePod('p', { spec: { tolerations } }), nodes));
    assert.deepEqual(got, { open: '', cordoned: want }, name);
  }
});
