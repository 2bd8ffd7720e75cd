import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './errors.js';
import { objectFields, parseFieldSelector, validateFieldSelector } from './fields.js';
import type { KubeObject } from './types.js';

const pod: KubeObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
  spec: { restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
  status: { phase: 'Pending', podIPs: [{ ip: '10.42.0.5' }] },
};

test('field selectors match pods', () => {
  const f = objectFields('Pod', pod);
  assert.equal(f['spec.hostNetwork'], 'false');
  assert.equal(f['status.podIP'], '10.42.0.5');
  const cases: [string, boolean][] = [
    ['metadata.name=p', true], ['metadata.name==p', true], ['metadata.name!=p', false], ['spec.nodeName=', true],
    ['spec.nodeName!=', false], ['status.phase=Pending,metadata.namespace=ns', true], ['status.phase=Running', false], ['', true],
  ];
  for (const [s, want] of cases) assert.equal(parseFieldSelector(s).matches(f), want, s);
});

test('escapes and errors', () => {
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c');
  assert.equal(sel.matches({ 'metadata.name': 'a,b=c' }), true);
  assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c');
  assert.throws(() => parseFieldSelector('foo'), (e: unknown) => e instanceof ApiError && e.message === "invalid selector: 'foo'; can't understand 'foo'");
  assert.throws(() => validateFieldSelector('Pod', parseFieldSelector('spec.foo=x')), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'field label not supported: spec.foo');
  validateFieldSelector('Event', parseFieldSelector('involvedObject.name=x,involvedObject.uid=1,reason=Started,type=Normal,source=kubelet'));
  assert.throws(() => validateFieldSelector('ConfigMap', parseFieldSelector('type=x')), ApiError);
});

test('per-kind fields', () => {
  const ev: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'p', uid: 'u' }, source: { component: 'kubelet' }, reason: 'Started', type: 'Normal' };
  assert.equal(objectFields('Event', ev)['involvedObject.kind'], 'Pod');
  assert.equal(objectFields('Event', ev).source, 'kubelet');
  assert.equal(objectFields('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { unschedulable: true } })['spec.unschedulable'], 'true');
  assert.equal(objectFields('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque' }).type, 'Opaque');
  assert.equal(objectFields('Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, status: { succeeded: 2 } })['status.successful'], '2');
});
