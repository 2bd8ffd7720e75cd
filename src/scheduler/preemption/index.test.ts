import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, seededRng } from '../testing/builders.js';
import { newDefaultFramework } from '../plugins/registry.js';
import { PodInfo } from '../framework/podinfo.js';
import { Snapshot } from '../framework/snapshot.js';
import { NominatedPods, pickOneNodeForPreemption, type Candidate } from './index.js';

test('preemption picks the node whose victims have the lowest priority, keeping all it can', () => {
  const snapshot = Snapshot.fromLists(
    [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })],
    [
      makePod('low', { cpu: '1', priority: 1, nodeName: 'n1' }),
      makePod('mid', { cpu: '1', priority: 5, nodeName: 'n1' }),
      makePod('p10', { cpu: '2', priority: 10, nodeName: 'n2' }),
    ],
  );
  const r = newDefaultFramework(undefined, { rng: seededRng(1) }).schedulePod(makePod('hi', { cpu: '1', priority: 100 }), snapshot);
  assert.equal(r.node, undefined);
  assert.ok(r.node === undefined);
  assert.equal(r.nominatedNodeName, 'n1');
  assert.deepEqual(r.victims?.map((v) => v.name), ['low']);
  assert.equal(r.message, '0/2 nodes are available: 2 Insufficient cpu.');
});

test('preemption never evicts equal or higher priority pods', () => {
  const snapshot = Snapshot.fromLists([makeNode('n1', { cpu: '1' })], [makePod('same', { cpu: '1', priority: 5, nodeName: 'n1' })]);
  const r = newDefaultFramework().schedulePod(makePod('p', { cpu: '1', priority: 5 }), snapshot);
  assert.ok(r.node === undefined);
  assert.equal(r.victims, undefined);
  assert.equal(r.message, '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
});

test('pickOneNodeForPreemption criteria in order', () => {
  const v = (name: string, priority: number, startTime?: string) => new PodInfo(makePod(name, { priority, startTime }));
  const c = (nodeName: string, ...victims: PodInfo[]): Candidate => ({ nodeName, victims });
  const cases: [string, Candidate[], string][] = [
    ['lowest highest priority', [c('a', v('x', 10)), c('b', v('y', 5), v('z', 1))], 'b'],
    ['then lowest sum of priorities', [c('a', v('x', 5), v('x2', 5)), c('b', v('y', 5), v('y2', 1))], 'b'],
    ['then fewest victims', [c('a', v('x', 5), v('x2', 0)), c('b', v('y', 5)), c('c', v('z', 5), v('z2', -1), v('z3', 1))], 'b'],
    ['then latest start of top victims', [c('a', v('x', 5, '2024-01-01T00:00:00Z')), c('b', v('y', 5, '2024-06-01T00:00:00Z'))], 'b'],
    ['then the first', [c('a', v('x', 5)), c('b', v('y', 5))], 'a'],
  ];
  for (const [name, candidates, want] of cases) assert.equal(pickOneNodeForPreemption(candidates)?.nodeName, want, name);
  assert.equal(pickOneNodeForPreemption([]), undefined);
});

test('nominated pods reserve room on their node', () => {
  const snapshot = Snapshot.fromLists([makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })], []);
  const nominated = new NominatedPods();
  const big = new PodInfo(makePod('big', { cpu: '2', priority: 10 }));
  nominated.add(big, 'n1');
  assert.deepEqual(nominated.nominatedPodsForNode('n1').map((p) => p.name), ['big']);
  const fw = newDefaultFramework(undefined, { nominator: nominated, rng: seededRng(2) });
  for (let i = 0; i < 5; i++) assert.equal(fw.schedulePod(makePod(`p${i}`, { cpu: '1', priority: 1 }), snapshot).node, 'n2');
  // a higher-priority pod ignores lower-priority nominations
  const hi = makePod('hi', { cpu: '1', priority: 100 });
  const picks = new Set(Array.from({ length: 10 }, () => fw.schedulePod(hi, snapshot).node));
  assert.ok(picks.has('n1'));
  assert.deepEqual(nominated.lowerPriorityNominatedPods(new PodInfo(hi), 'n1').map((p) => p.name), ['big']);
  nominated.delete(big.key);
  assert.equal(nominated.nominatedPodsForNode('n1').length, 0);
});
