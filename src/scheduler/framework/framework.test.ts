import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, seededRng } from '../testing/builders.js';
import { newDefaultFramework } from '../plugins/registry.js';
import { numFeasibleNodesToFind } from './framework.js';
import { fitErrorMessage, newDiagnosis } from './diagnosis.js';
import { Snapshot } from './snapshot.js';
import { Code, CycleState, newStatus } from './types.js';
import { PodInfo } from './podinfo.js';

test('numFeasibleNodesToFind is adaptive as upstream', () => {
  const cases: [number, number, number][] = [
    [50, 0, 50],
    [100, 0, 100],
    [1000, 0, 420],
    [5000, 0, 500],
    [6000, 0, 300],
    [20000, 0, 1000],
    [5000, 30, 1500],
    [5000, 100, 5000],
    [500, 1, 100],
  ];
  for (const [n, pct, want] of cases) assert.equal(numFeasibleNodesToFind(n, pct), want, `${n} nodes, ${pct}%`);
});

test('failure message: reasons counted across nodes and sorted, then preemption', () => {
  const nodes = [makeNode('a', { cpu: '1', labels: { disk: 'ssd' } }), makeNode('b'), makeNode('c')];
  const snapshot = Snapshot.fromLists(nodes, []);
  const pod = makePod('p', { cpu: '2', spec: { nodeSelector: { disk: 'ssd' } } });
  const r = newDefaultFramework().schedulePod(pod, snapshot);
  assert.equal(r.node, undefined);
  assert.equal(
    r.node === undefined && r.message,
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. " +
      'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
  );
  const tainted = Snapshot.fromLists([makeNode('x', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }), makeNode('y', { unschedulable: true })], []);
  const r2 = newDefaultFramework().schedulePod(makePod('p'), tainted);
  assert.equal(
    r2.node === undefined && r2.message,
    '0/2 nodes are available: 1 node(s) had untolerated taint {k: v}, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  );
  const never = newDefaultFramework().schedulePod(makePod('p', { cpu: '8', spec: { preemptionPolicy: 'Never' } }), snapshot);
  assert.match(never.node === undefined ? never.message : '', /\. preemption: not eligible due to preemptionPolicy=Never\.$/);
});

test('fitErrorMessage matches upstream for the documented example', () => {
  const d = newDiagnosis(3);
  d.nodeToStatus.set('a', newStatus(Code.Unschedulable, 'Insufficient cpu'));
  d.nodeToStatus.set('b', newStatus(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector"));
  d.nodeToStatus.set('c', newStatus(Code.UnschedulableAndUnresolvable, "node(s) didn't match Pod's node affinity/selector"));
  d.postFilterMsg = 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  assert.equal(
    fitErrorMessage(d),
    "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
  // "10 ..." sorts before "2 ..." as strings, as in Go's sort.Strings
  const e = newDiagnosis(12);
  for (let i = 0; i < 10; i++) e.nodeToStatus.set(`x${i}`, newStatus(Code.Unschedulable, 'Too many pods'));
  e.nodeToStatus.set('y0', newStatus(Code.Unschedulable, 'Insufficient memory'));
  e.nodeToStatus.set('y1', newStatus(Code.Unschedulable, 'Insufficient memory'));
  assert.equal(fitErrorMessage(e), '0/12 nodes are available: 10 Too many pods, 2 Insufficient memory.');
});

test('filtering stops after enough feasible nodes and the start index rotates', () => {
  // 150 nodes: 49% is 73, raised to the minimum of 100
  const nodes = Array.from({ length: 150 }, (_, i) => makeNode(`n${i}`));
  const snapshot = Snapshot.fromLists(nodes, []);
  const fw = newDefaultFramework(undefined, { rng: seededRng(3) });
  const at = (name: string | undefined) => Number(name?.slice(1));
  const r1 = fw.schedulePod(makePod('p1', { cpu: '100m' }), snapshot);
  assert.ok(r1.node !== undefined);
  assert.equal(r1.evaluatedNodes, 100);
  assert.equal(r1.feasibleNodes, 100);
  assert.ok(at(r1.node) < 100, `first cycle sees n0..n99, picked ${r1.node}`);
  // the second cycle starts where the first stopped: n100..n149 then n0..n49
  const r2 = fw.schedulePod(makePod('p2', { cpu: '100m' }), snapshot);
  assert.ok(at(r2.node) >= 100 || at(r2.node) < 50, `second cycle picked ${r2.node}`);
});

test('ties are broken by the injected RNG', () => {
  const snapshot = Snapshot.fromLists(Array.from({ length: 10 }, (_, i) => makeNode(`n${i}`)), []);
  const pick = (seed: number) => newDefaultFramework(undefined, { rng: seededRng(seed) }).schedulePod(makePod('p', { cpu: '1' }), snapshot).node;
  assert.equal(pick(7), pick(7));
  const seen = new Set(Array.from({ length: 30 }, (_, s) => pick(s + 1)));
  assert.ok(seen.size > 3, `picked ${[...seen]}`);
});

test('scoring prefers the emptier node and the preferred affinity', () => {
  const nodes = [makeNode('busy', { labels: { zone: 'z1' } }), makeNode('idle', { labels: { zone: 'z1' } }), makeNode('far', { labels: { zone: 'z2' } })];
  const snapshot = Snapshot.fromLists(nodes, [makePod('x', { cpu: '3', memory: '6Gi', nodeName: 'busy' })]);
  assert.equal(newDefaultFramework(undefined, { rng: seededRng(1) }).schedulePod(makePod('p', { cpu: '100m' }), snapshot).node !== 'busy', true);
  const prefer = {
    affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] } }] } },
  };
  assert.equal(newDefaultFramework(undefined, { rng: seededRng(1) }).schedulePod(makePod('p', { cpu: '100m', spec: prefer }), snapshot).node, 'far');
});

test('filtering in chunks gives what filtering node after node gives', () => {
  // 1200 nodes (numFeasibleNodesToFind: 40% = 480) of which many fail, in several ways
  const nodes = Array.from({ length: 1200 }, (_, i) =>
    makeNode(`n${i}`, {
      cpu: i % 7 === 0 ? '100m' : '4',
      labels: { disk: i % 5 === 0 ? 'hdd' : 'ssd' },
      unschedulable: i % 11 === 0,
      taints: i % 13 === 0 ? [{ key: 'k', value: 'v', effect: 'NoSchedule' }] : undefined,
    }),
  );
  const snapshot = Snapshot.fromLists(nodes, []);
  const fw = newDefaultFramework(undefined, { rng: seededRng(3) });
  const ref = newDefaultFramework(undefined, { rng: seededRng(3) });
  const pod = (name: string, cpu: string) => makePod(name, { cpu, spec: { nodeSelector: { disk: 'ssd' } } });
  // the reference: each node through all filters, in the snapshot's order from `start`
  const sequential = (p: ReturnType<typeof makePod>, start: number) => {
    const pi = new PodInfo(p);
    const state = new CycleState();
    assert.equal(ref.runPreFilters(state, pi, snapshot).code, Code.Success);
    const list = snapshot.nodes;
    const want = numFeasibleNodesToFind(list.length);
    const statuses = new Map<string, string>();
    let feasible = 0;
    let evaluated = 0;
    for (let i = 0; i < list.length && feasible < want; i++) {
      const ni = list[(start + i) % list.length];
      evaluated++;
      const s = ref.runFilters(state, pi, ni);
      if (s.code === Code.Success) feasible++;
      else statuses.set(ni.name, `${s.plugin}: ${s.reasons.join(', ')}`);
    }
    return { feasible, evaluated, statuses };
  };
  let start = 0;
  for (let k = 0; k < 4; k++) {
    const p = pod(`p${k}`, '500m');
    const want = sequential(p, start);
    const r = fw.schedulePod(p, snapshot);
    assert.ok(r.node !== undefined);
    assert.equal(r.feasibleNodes, want.feasible, `cycle ${k}`);
    assert.equal(r.evaluatedNodes, want.evaluated, `cycle ${k}`);
    start = (start + want.evaluated) % snapshot.numNodes;
  }
  // a pod that fits nowhere: every node is evaluated, each with its first rejection
  const huge = pod('huge', '64');
  const want = sequential(huge, start);
  const r = fw.schedulePod(huge, snapshot, { skipPostFilter: true });
  assert.ok(r.node === undefined);
  assert.equal(want.feasible, 0);
  assert.deepEqual(new Map([...r.diagnosis.nodeToStatus].map(([n, s]) => [n, `${s.plugin}: ${s.reasons.join(', ')}`])), want.statuses);
  assert.deepEqual([...r.diagnosis.nodeToStatus.keys()], [...want.statuses.keys()], 'in node order');
});
