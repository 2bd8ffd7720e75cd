// Unit tests of the DaemonSet controller's pure logic: placement against selectors, affinity
// and taints; the default tolerations; pinning; the rolling-update plans; revision hashing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { hashRevisionData, newRevision, revisionName } from '../runtime/history.js';
import { addDaemonTolerations, nodeShouldRunDaemonPod, pinToNode, targetNodeName } from './placement.js';
import { planRollingUpdate } from './update.js';
import { daemonPodFor, isPodUpdated, rollingBudgets } from './util.js';
import { revisionPatch } from './history.js';

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });
const ds = (spec: Record<string, unknown> = {}, templateSpec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'd', namespace: 'ns', uid: 'u1', annotations: { 'deprecated.daemonset.template.generation': '3' } },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...templateSpec } }, ...spec },
});

test('placement: nodeSelector, required affinity, template nodeName', () => {
  const d = ds({}, { nodeSelector: { disk: 'ssd' } });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), d), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('b'), d), { shouldRun: false, shouldContinueRunning: false });
  const aff = ds({}, { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] } } } });
  assert.equal(nodeShouldRunDaemonPod(node('a'), aff).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node('b'), aff).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node('b'), ds({}, { nodeName: 'a' })).shouldRun, false);
});

test('placement: NoSchedule keeps new pods off but lets running ones stay; NoExecute evicts; defaults tolerated', () => {
  const d = ds();
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'NoSchedule' }]), d), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'NoExecute' }]), d), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), d), { shouldRun: true, shouldContinueRunning: true });
  for (const t of ['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unschedulable:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule']) {
    const [key, effect] = t.split(':');
    assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key, effect }]), d).shouldRun, true, t);
  }
  const netTaint = [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }];
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, netTaint), d).shouldRun, false);
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, netTaint), ds({}, { hostNetwork: true })).shouldRun, true);
  const tolerant = ds({}, { tolerations: [{ key: 'x', operator: 'Exists' }] });
  assert.equal(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'x', effect: 'NoExecute' }]), tolerant).shouldRun, true);
});

test('default tolerations replace a matching one (dropping its tolerationSeconds) and keep the others', () => {
  const spec: Record<string, unknown> = {
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'mine', operator: 'Exists' },
    ],
  };
  addDaemonTolerations(spec);
  const list = spec.tolerations as Record<string, unknown>[];
  assert.equal(list.length, 7);
  assert.deepEqual(list[0], { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' });
  assert.deepEqual(list[1], { key: 'mine', operator: 'Exists' });
});

test('daemon pods: pinned by matchFields (other required terms replaced), labelled with hash and generation', () => {
  const a = pinToNode({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'Exists' }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [] }, podAffinity: {} }, 'n1');
  assert.deepEqual(a, {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: [] },
    podAffinity: {},
  });
  const pod = daemonPodFor(ds(), 'n1', 'h1');
  assert.equal(pod.metadata.generateName, 'd-');
  assert.deepEqual(pod.metadata.labels, { a: 'b', 'pod-template-generation': '3', 'controller-revision-hash': 'h1' });
  assert.deepEqual(pod.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u1', controller: true, blockOwnerDeletion: true }]);
  assert.equal(targetNodeName(pod), 'n1');
  assert.ok(isPodUpdated(pod, 'h1', undefined));
  assert.ok(isPodUpdated(pod, 'other', '3'), 'an older pod without the hash still counts by generation');
  assert.ok(!isPodUpdated(pod, 'other', '4'));
});

test('budgets: int or percent of desired nodes, rounded up; both zero means one unavailable', () => {
  const ru = (maxUnavailable: unknown, maxSurge: unknown) => ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } } });
  assert.deepEqual(rollingBudgets(ru(1, 0), 10), [0, 1]);
  assert.deepEqual(rollingBudgets(ru('25%', 0), 10), [0, 3]);
  assert.deepEqual(rollingBudgets(ru(0, '10%'), 10), [1, 0]);
  assert.deepEqual(rollingBudgets(ru(0, 0), 10), [0, 1]);
  assert.deepEqual(rollingBudgets(ds({ updateStrategy: { type: 'OnDelete' } }), 10), [0, 0]);
});

const ready = (name: string, nodeName: string, hash: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { 'controller-revision-hash': hash }, creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { nodeName },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

test('rolling update without surge deletes old pods up to maxUnavailable, counting nodes already down', () => {
  const d = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2, maxSurge: 0 } } });
  const nodes = ['n1', 'n2', 'n3', 'n4'].map((n) => node(n));
  const byNode = new Map(nodes.map((n) => [n.metadata.name!, [ready(`p-${n.metadata.name}`, n.metadata.name!, 'old')]]));
  const place = (n: KubeObject) => nodeShouldRunDaemonPod(n, d);
  assert.equal(planRollingUpdate(d, nodes, byNode, place, 'new', 0).delete.length, 2);
  byNode.set('n1', [ready('p-n1b', 'n1', 'new')]);
  byNode.get('n1')![0]!.status.conditions[0].status = 'False'; // a new pod not ready yet counts
  assert.equal(planRollingUpdate(d, nodes, byNode, place, 'new', 0).delete.length, 1);
});

test('rolling update with surge creates next to old pods and deletes the old one once the new one is available', () => {
  const d = ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
  const nodes = ['n1', 'n2'].map((n) => node(n));
  const byNode = new Map(nodes.map((n) => [n.metadata.name!, [ready(`p-${n.metadata.name}`, n.metadata.name!, 'old')]]));
  const place = (n: KubeObject) => nodeShouldRunDaemonPod(n, d);
  const p1 = planRollingUpdate(d, nodes, byNode, place, 'new', 0);
  assert.equal(p1.create.length, 1);
  assert.equal(p1.delete.length, 0);
  byNode.get(p1.create[0]!)!.push(ready('p-new', p1.create[0]!, 'new'));
  const p2 = planRollingUpdate(d, nodes, byNode, place, 'new', 0);
  assert.deepEqual(p2.delete.map((p) => p.metadata.name), [`p-${p1.create[0]}`]);
});

test('revisions: data is a replace patch of the template; names carry the hash; equal data hashes equal', () => {
  const d = ds();
  const data = revisionPatch(d) as { spec: { template: Record<string, unknown> } };
  assert.equal(data.spec.template.$patch, 'replace');
  assert.deepEqual(data.spec.template.metadata, { labels: { a: 'b' } });
  assert.equal(hashRevisionData({ x: 1, y: 2 }), hashRevisionData({ y: 2, x: 1 }));
  assert.notEqual(hashRevisionData({ x: 1 }), hashRevisionData({ x: 1 }, 1));
  assert.match(hashRevisionData({ x: 1 }), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(revisionName('a'.repeat(300), 'h').length, 225);
  const r = newRevision({ owner: d, revision: 4, data, labels: { a: 'b' } });
  assert.equal(r.metadata.name, `d-${r.metadata.labels!['controller.kubernetes.io/hash']}`);
  assert.equal(r.revision, 4);
  assert.equal(r.metadata.ownerReferences![0]!.uid, 'u1');
});
