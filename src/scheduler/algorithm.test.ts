import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { DefaultAlgorithm } from './algorithm.js';
import { EMPTY_LISTER } from './framework/lister.js';
import { isAssumedCopy, jsonEqual, sameSchedulingInputs } from './framework/podinfo.js';
import { makeNode, makePod, seededRng } from './testing/builders.js';

const bound = (p: KubeObject, node: string, extra: (b: KubeObject) => void = () => {}): KubeObject => {
  const b: KubeObject = JSON.parse(JSON.stringify(p));
  b.spec.nodeName = node;
  b.metadata.resourceVersion = '42';
  b.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] };
  extra(b);
  return b;
};

function setup(): { alg: DefaultAlgorithm; pending: KubeObject; assumed: KubeObject; node: string } {
  const alg = new DefaultAlgorithm({ lister: EMPTY_LISTER, rng: seededRng(3) });
  alg.addNode(makeNode('n1', { cpu: '2' }));
  alg.addNode(makeNode('n2', { cpu: '2' }));
  const pending = makePod('p', { cpu: '500m', labels: { app: 'a' } });
  pending.metadata.uid = 'uid-p';
  const r = alg.schedule(pending);
  assert.ok('nodeName' in r);
  const assumed = { ...pending, spec: { ...pending.spec, nodeName: r.nodeName } };
  alg.addPod(assumed);
  return { alg, pending, assumed, node: r.nodeName };
}

test('a bound pod equal to its assumed copy takes over the assumed entry', () => {
  const { alg, pending, assumed, node } = setup();
  const before = alg.snapshot.getPod('uid-p');
  const b = bound(pending, node);
  assert.equal(alg.confirmPod(assumed, b), true);
  const after = alg.snapshot.getPod('uid-p');
  assert.equal(after, before, 'the same PodInfo');
  assert.equal(after?.pod, b, 'now holding the bound copy');
  assert.equal(alg.snapshot.get(node)?.requested.milliCpu, 500);
  assert.equal(alg.snapshot.get(node)?.podCount, 1);
  assert.equal(alg.snapshot.numPods, 1);
  // and it still counts: a 1600m pod fits only the other node
  const big = makePod('big', { cpu: '1600m' });
  const r = alg.schedule(big);
  assert.ok('nodeName' in r && r.nodeName !== node);
});

test('a bound pod that differs where scheduling looks is not confirmed', () => {
  const { alg, pending, assumed, node } = setup();
  assert.equal(alg.confirmPod(assumed, bound(pending, node, (b) => (b.metadata.labels = { app: 'b' }))), false);
  assert.equal(alg.confirmPod(assumed, bound(pending, node, (b) => (b.spec.containers[0].resources.requests.cpu = '1'))), false);
  assert.equal(alg.confirmPod(assumed, bound(pending, node === 'n1' ? 'n2' : 'n1')), false);
  assert.equal(alg.confirmPod(assumed, bound(pending, node, (b) => (b.metadata.deletionTimestamp = '2026-01-01T00:00:00Z'))), false);
  assert.equal(alg.confirmPod(assumed, bound(pending, node, (b) => (b.metadata.uid = 'other'))), false);
  // the assumed entry is untouched by refused confirmations
  assert.equal(alg.snapshot.getPod('uid-p')?.pod, assumed);
});

test('jsonEqual and sameSchedulingInputs', () => {
  assert.ok(jsonEqual({ a: [1, { b: 'x' }], c: undefined }, { a: [1, { b: 'x' }] }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!jsonEqual([], {}));
  assert.ok(!jsonEqual(null, {}));
  const p = makePod('x', { labels: { a: '1' } });
  const q = JSON.parse(JSON.stringify(p));
  q.status = { phase: 'Running' };
  q.metadata.resourceVersion = '7';
  assert.ok(sameSchedulingInputs(p, q));
  q.metadata.labels.a = '2';
  assert.ok(!sameSchedulingInputs(p, q));
});

test('the assumed copy of the pod just scheduled is recognised as such (and reuses what its cycle derived)', () => {
  const { alg, pending, assumed, node } = setup();
  assert.ok(isAssumedCopy(pending, assumed));
  assert.ok(!isAssumedCopy(pending, { ...pending, spec: { ...pending.spec, nodeName: node, priority: 5 } }));
  assert.ok(!isAssumedCopy(pending, { ...pending, metadata: { ...pending.metadata }, spec: { ...pending.spec, nodeName: node } }));
  const { nodeName: _n, ...withoutNode } = assumed.spec;
  assert.ok(!isAssumedCopy(pending, { ...pending, spec: { ...withoutNode, extra: 1 } }));
  const pi = alg.snapshot.getPod('uid-p');
  assert.equal(pi?.nodeName, node);
  assert.equal(pi?.pod, assumed);
  assert.equal(pi?.requests.milliCpu, 500);
  assert.deepEqual(pi?.labels, { app: 'a' });
});
