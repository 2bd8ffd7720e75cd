import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod } from '../../testing/builders.js';
import { PodInfo } from '../../framework/podinfo.js';
import { Snapshot } from '../../framework/snapshot.js';
import { Code, CycleState } from '../../framework/types.js';
import { newImageLocality } from './index.js';

const MB = 1024 * 1024;
const nodes = [makeNode('a', { images: [{ names: ['big:1'], sizeBytes: 500 * MB }] }), makeNode('b')];
const withImage = (image: string) => new PodInfo(makePod('p', { spec: { containers: [{ name: 'c', image }] } }));

test('ImageLocality scores the node having the image and skips when no node has any', () => {
  const snap = Snapshot.fromLists(nodes, []);
  const plugin = newImageLocality();
  const has = withImage('big:1');
  const st = new CycleState();
  assert.equal(plugin.preScore(st, has, snap.nodes, snap).code, Code.Success);
  const [a, b] = [snap.get('a')!, snap.get('b')!];
  assert.ok(plugin.score(st, has, a) > 0, 'the node with the image scores');
  assert.equal(plugin.score(st, has, b), 0);
  // every node would score 0: the framework skips the per-node pass
  assert.equal(plugin.preScore(new CycleState(), withImage('elsewhere:2'), snap.nodes, snap).code, Code.Skip);
});
