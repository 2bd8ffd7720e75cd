import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod } from '../testing/builders.js';
import { Snapshot } from './snapshot.js';

test('snapshot keeps totals, indexes and node order incrementally', () => {
  const s = Snapshot.fromLists(
    [makeNode('a', { labels: { 'topology.kubernetes.io/zone': 'z1' } }), makeNode('b', { labels: { 'topology.kubernetes.io/zone': 'z1' } }), makeNode('c', { labels: { 'topology.kubernetes.io/zone': 'z2' } })],
    [makePod('done', { cpu: '1', nodeName: 'a' })].map((p) => ({ ...p, status: { phase: 'Succeeded' } })),
  );
  assert.equal(s.numPods, 0, 'terminal pods are left out');
  assert.deepEqual(s.nodes.map((n) => n.name), ['a', 'c', 'b'], 'zones interleaved');
  const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } };
  const p = s.addPod(makePod('p', { cpu: '500m', memory: '1Gi', labels: { app: 'x' }, nodeName: 'a', spec: anti }));
  const a = s.get('a');
  assert.equal(a?.requested.milliCpu, 500);
  assert.equal(a?.podsWithRequiredAntiAffinity.length, 1);
  assert.equal([...s.requiredAntiAffinity.entries.values()][0].counts.get('z1'), 1);
  // relabel node a into z2: the term index follows
  s.updateNode(makeNode('a', { labels: { 'topology.kubernetes.io/zone': 'z2' } }));
  assert.equal([...s.requiredAntiAffinity.entries.values()][0].counts.get('z2'), 1);
  assert.equal(s.topologyDomains(['topology.kubernetes.io/zone']).domains.get('topology.kubernetes.io/zone')?.get('z2'), 2);
  // a pod on an unknown node waits for it
  s.addPod(makePod('q', { cpu: '1', nodeName: 'd' }));
  s.upsertNode(makeNode('d'));
  assert.equal(s.get('d')?.requested.milliCpu, 1000);
  // removal undoes everything
  assert.equal(s.removePod(p.key), true);
  assert.equal(a?.requested.milliCpu, 0);
  assert.equal(s.requiredAntiAffinity.entries.size, 0);
  assert.equal(s.podsByLabel.candidates({ requirements: [{ key: 'app', operator: '=', values: ['x'] }], matches: () => true, isEmpty: () => false, toString: () => '' }).length, 0);
  s.removeNode('d');
  assert.equal(s.numNodes, 3);
  assert.equal(s.upsertPod({ ...makePod('q', { cpu: '1', nodeName: 'd' }), status: { phase: 'Failed' } }), undefined);
  assert.equal(s.numPods, 0);
});

test('a pod knows the snapshot node it is attached to, through removals and orphaning', () => {
  const s = Snapshot.fromLists([makeNode('a'), makeNode('b')], []);
  const p = s.addPod(makePod('p', { nodeName: 'a' }));
  assert.equal(p.attachedTo, s.get('a'));
  const orphan = s.addPod(makePod('q', { nodeName: 'later' }));
  assert.equal(orphan.attachedTo, undefined, 'its node is not known yet');
  s.upsertNode(makeNode('later'));
  assert.equal(orphan.attachedTo, s.get('later'));
  s.removeNode('a');
  assert.equal(p.attachedTo, undefined, 'its node went away');
  s.upsertNode(makeNode('a'));
  assert.equal(p.attachedTo, s.get('a'), 'and came back');
  s.removePod(p);
  assert.equal(p.attachedTo, undefined);
  // every indexed pod's attachedTo agrees with the lookups it replaces
  for (const pi of s.podsByLabel.all) assert.equal(pi.attachedTo, s.get(pi.nodeName)?.hasPod(pi.key) ? s.get(pi.nodeName) : undefined);
});

test('counts tainted and cordoned nodes through adds, updates and removals', () => {
  const taint = [{ key: 'k', value: 'v', effect: 'NoSchedule' }];
  const s = Snapshot.fromLists([makeNode('a'), makeNode('b', { taints: taint }), makeNode('c', { unschedulable: true })], []);
  assert.deepEqual([s.taintedNodes, s.unschedulableNodes], [1, 1]);
  s.upsertNode(makeNode('a', { taints: taint, unschedulable: true }));
  assert.deepEqual([s.taintedNodes, s.unschedulableNodes], [2, 2]);
  s.upsertNode(makeNode('b'));
  s.removeNode('c');
  assert.deepEqual([s.taintedNodes, s.unschedulableNodes], [1, 1]);
  s.removeNode('a');
  s.removeNode('a');
  assert.deepEqual([s.taintedNodes, s.unschedulableNodes], [0, 0]);
});
