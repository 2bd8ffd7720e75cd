import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeNode, makePod, reasonsOf, runFilter, runScore, seededRng } from '../../testing/builders.js';
import { handleOf, staticLister } from '../../framework/lister.js';
import { PodInfo } from '../../framework/podinfo.js';
import { Snapshot } from '../../framework/snapshot.js';
import { Code, CycleState } from '../../framework/types.js';
import { newDefaultFramework } from '../registry.js';
import type { KubeObject } from '../../../api/types.js';
import { newPodTopologySpread } from './index.js';

const ZONE = 'topology.kubernetes.io/zone';
const SKEW = "node(s) didn't match pod topology spread constraints";
const LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
const spread = (maxSkew: number, topologyKey: string, extra: Record<string, unknown> = {}) => ({
  topologySpreadConstraints: [{ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
});
const web = (name: string, nodeName?: string) => makePod(name, { labels: { app: 'web' }, nodeName });
const nodes = [makeNode('a', { labels: { [ZONE]: 'z1' } }), makeNode('b', { labels: { [ZONE]: 'z1' } }), makeNode('c', { labels: { [ZONE]: 'z2' } }), makeNode('d')];
const plugin = (objects: KubeObject[] = []) => newPodTopologySpread(handleOf(staticLister(objects)));

test('PodTopologySpread filter: skew = count + self - global min <= maxSkew', () => {
  const pod = (spec: Record<string, unknown>) => makePod('p', { labels: { app: 'web' }, spec });
  const cases: [string, KubeObject, KubeObject[], Record<string, string>][] = [
    ['empty cluster', pod(spread(1, ZONE)), [], { a: '', b: '', c: '', d: LABEL }],
    ['zone z1 ahead by one', pod(spread(1, ZONE)), [web('1', 'a')], { a: SKEW, b: SKEW, c: '', d: LABEL }],
    ['maxSkew 2 allows it', pod(spread(2, ZONE)), [web('1', 'a')], { a: '', b: '', c: '', d: LABEL }],
    ['other labels do not count', pod(spread(1, ZONE)), [makePod('x', { labels: { app: 'db' }, nodeName: 'a' })], { a: '', b: '', c: '', d: LABEL }],
    ['other namespaces do not count', pod(spread(1, ZONE)), [makePod('x', { namespace: 'o', labels: { app: 'web' }, nodeName: 'a' })], { a: '', b: '', c: '', d: LABEL }],
    [
      // only z1 counts, so its minimum is 1 and a second pod there has skew 1
      'node affinity narrows the domains',
      pod({ ...spread(1, ZONE), nodeSelector: { [ZONE]: 'z1' } }),
      [web('1', 'a')],
      { a: '', b: '', c: '', d: LABEL },
    ],
    ['minDomains above the domain count makes the min 0', pod(spread(1, ZONE, { minDomains: 3 })), [web('1', 'a'), web('2', 'c')], { a: SKEW, b: SKEW, c: SKEW, d: LABEL }],
    ['a pod not matching its own selector adds no self count', makePod('p', { spec: spread(1, ZONE) }), [web('1', 'a')], { a: '', b: '', c: '', d: LABEL }],
  ];
  for (const [name, p, existing, want] of cases) assert.deepEqual(reasonsOf(runFilter(plugin(), p, nodes, existing)), want, name);
});

test('PodTopologySpread score: fewer matching pods in the domain is better', () => {
  const soft = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] };
  const got = Object.fromEntries(runScore(plugin(), makePod('p', { labels: { app: 'web' }, spec: soft }), nodes, [web('1', 'a'), web('2', 'a')]));
  // z1: 2*ln(4) = 2.77 -> 3; z2: 0; d ignored (no zone label) -> 0
  assert.deepEqual(got, { a: 0, b: 0, c: 100, d: 0 });
});

test('default spreading: a 2-replica ReplicaSet lands on 2 nodes', () => {
  const rs: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } } } };
  const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs', controller: true }];
  for (let seed = 1; seed <= 20; seed++) {
    const snapshot = Snapshot.fromLists([makeNode('n1'), makeNode('n2')], []);
    const fw = newDefaultFramework(handleOf(staticLister([rs])), { rng: seededRng(seed) });
    const placed: string[] = [];
    for (const name of ['web-1', 'web-2']) {
      const p = new PodInfo(makePod(name, { labels: { app: 'web' }, ownerReferences: owner }));
      const r = fw.schedulePod(p, snapshot);
      assert.ok(r.node, 'scheduled');
      snapshot.addPod(p, r.node);
      placed.push(r.node);
    }
    assert.notEqual(placed[0], placed[1], `seed ${seed}: ${placed}`);
  }
  // Without an owner (and no Service) there is no default spreading: the hostname score is skipped.
  const p = new PodInfo(makePod('lone', { labels: { app: 'web' } }));
  const s = Snapshot.fromLists([makeNode('n1')], []);
  assert.equal(plugin([rs]).preScore(new CycleState(), p, s.nodes, s).code, Code.Skip);
});
