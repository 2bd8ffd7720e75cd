import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter } from '../../testing/builders.js';
import { newNodeName } from './index.js';

test('NodeName filter', () => {
  const nodes = [makeNode('a'), makeNode('b')];
  assert.deepEqual(reasonsOf(runFilter(newNodeName(), makePod('p'), nodes)), { a: '', b: '' });
  assert.deepEqual(reasonsOf(runFilter(newNodeName(), makePod('p', { spec: { nodeName: 'b' } }), nodes)), {
    a: "node(s) didn't match the requested node name",
    b: '',
  });
});
