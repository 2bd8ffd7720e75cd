import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, clone } from './testutil.test.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;
const svc = (spec: J, name = 's'): J => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });

test('service rules', () => {
  assert.deepEqual(check(svc({ selector: { app: 'web' }, ports: [{ port: 80 }] })), []);
  assert.deepEqual(check(svc({ clusterIP: 'None', selector: { app: 'web' } })), []);
  assert.deepEqual(check(svc({ type: 'ExternalName', externalName: 'example.com' })), []);
  const cases: [J, string[]][] = [
    [{ ports: [] }, ['spec.ports: Required value']],
    [{ ports: [{ port: 0 }] }, ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive', 'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive']],
    [{ ports: [{ port: 80 }, { port: 81 }] }, ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
    [{ ports: [{ port: 80, name: 'a' }, { port: 81, name: 'a' }] }, ['spec.ports[1].name: Duplicate value: "a"']],
    [{ type: 'Magic', ports: [{ port: 80 }] }, ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    [{ ports: [{ port: 80, nodePort: 30000 }] }, ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
  ];
  for (const [spec, want] of cases) assert.deepEqual(check(svc(spec)), want, JSON.stringify(spec));
  const digit = check(svc({ ports: [{ port: 80 }] }, '1web'));
  assert.match(digit[0], /^metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/);
});

test('configmap and secret', () => {
  const cm: J = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-appvars', namespace: 'default' }, data: { apploglevel: 'info', appdatadir: '/var/data' } };
  assert.deepEqual(check(cm), []);
  const bad: J = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { 'a b': 'x', '..x': 'y' } };
  assert.deepEqual(check(bad), [
    `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    `data[..x]: Invalid value: "..x": must not start with '..'`,
  ]);
  const big: J = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } };
  assert.deepEqual(check(big), [': Too long: must have at most 1048576 bytes']);
  const imm: J = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, immutable: true, data: { a: '1' } };
  const changed = clone(imm);
  changed.data.a = '2';
  assert.deepEqual(check(changed, imm), ['data: Forbidden: field is immutable when `immutable` is set']);
  const tls: J = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } };
  assert.deepEqual(check(tls), ['data[tls.key]: Required value']);
  const s: J = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { 'a.b': 'eA==' } };
  assert.deepEqual(check(s), []);
  const retyped = clone(s);
  retyped.type = 'kubernetes.io/basic-auth';
  retyped.data.username = 'dQ==';
  assert.deepEqual(check(retyped, s), ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable']);
});

test('namespace, pvc, pv, lease, event', () => {
  assert.deepEqual(check({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }), []);
  assert.match(check({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } })[0], /^metadata\.name: Invalid value: "team.a": must not contain dots/);
  const pvc: J = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: {} };
  assert.deepEqual(check(pvc), ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  const okPvc: J = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  assert.deepEqual(check(okPvc), []);
  const pv: J = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } };
  assert.deepEqual(check(pv), ['spec: Required value: must specify a volume type']);
  pv.spec.hostPath = { path: '/data' };
  assert.deepEqual(check(pv), []);
  const lease: J = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } };
  assert.deepEqual(check(lease), []);
  const ev: J = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' } };
  assert.deepEqual(check(ev), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
});
