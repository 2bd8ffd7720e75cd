import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCES } from '../resources.js';
import { REF_PREFIX, type Schema } from './dsl.js';
import { allSchemas, closureOf, collectRefs, resolveSchema, schemaForKind } from './index.js';
import { findDuplicateFields, findTypeErrors, findUnknownFields, typeErrorMessage } from './strict.js';

const POD = { group: '', version: 'v1', kind: 'Pod' };
const prop = (s: Schema | undefined, ...path: string[]): Schema => {
  let cur = s!;
  for (const p of path) {
    cur = resolveSchema(cur).schema;
    cur = p === '[]' ? cur.items! : cur.properties![p];
    assert.ok(cur, `missing ${path.join('.')}`);
  }
  return cur;
};

test('every served kind, its list and every subresource kind has a schema with the GVK array', () => {
  for (const r of RESOURCES) {
    for (const kind of [r.kind, r.listKind]) {
      const s = schemaForKind({ group: r.group, version: r.version, kind });
      assert.ok(s, `${r.group}/${r.version} ${kind}`);
      assert.ok(Array.isArray(s['x-kubernetes-group-version-kind']));
      assert.ok(s['x-kubernetes-group-version-kind']!.some((g) => g.group === r.group && g.version === r.version && g.kind === kind));
    }
    for (const sub of r.subresources) if (['status', 'scale', 'binding', 'eviction'].includes(sub.name)) assert.ok(schemaForKind(sub.kind), sub.kind.kind);
  }
  for (const k of [
    { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    { group: 'policy', version: 'v1', kind: 'Eviction' },
    { group: '', version: 'v1', kind: 'Binding' },
    { group: '', version: 'v1', kind: 'Status' },
    { group: 'apps', version: 'v1', kind: 'DeleteOptions' },
  ])
    assert.ok(schemaForKind(k), k.kind);
});

test('all $refs resolve and definition names are upstream style', () => {
  const all = allSchemas();
  assert.ok(all.has('io.k8s.api.core.v1.Pod') && all.has('io.k8s.api.apps.v1.Deployment') && all.has('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'));
  for (const [name, s] of all) {
    const refs: string[] = [];
    collectRefs(s, refs);
    for (const r of refs) assert.ok(all.has(r), `${name} -> ${r}`);
    assert.ok(s.description, `${name} has a description`);
  }
  assert.ok(closureOf(['io.k8s.api.core.v1.Pod']).includes('io.k8s.api.core.v1.Probe'));
  assert.ok(JSON.stringify([...all.values()]).includes(REF_PREFIX));
});

test('PodSpec and Container carry every 1.32 field and upstream merge keys', () => {
  const pod = schemaForKind(POD);
  const spec = resolveSchema(prop(pod, 'spec')).schema;
  for (const f of [
    'activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy', 'enableServiceLinks', 'ephemeralContainers',
    'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'hostUsers', 'hostname', 'imagePullSecrets', 'initContainers', 'nodeName', 'nodeSelector', 'os',
    'overhead', 'preemptionPolicy', 'priority', 'priorityClassName', 'readinessGates', 'resourceClaims', 'resources', 'restartPolicy', 'runtimeClassName',
    'schedulerName', 'schedulingGates', 'securityContext', 'serviceAccount', 'serviceAccountName', 'setHostnameAsFQDN', 'shareProcessNamespace', 'subdomain',
    'terminationGracePeriodSeconds', 'tolerations', 'topologySpreadConstraints', 'volumes',
  ])
    assert.ok(spec.properties![f], `PodSpec.${f}`);
  const c = resolveSchema(prop(pod, 'spec', 'containers', '[]')).schema;
  for (const f of [
    'args', 'command', 'env', 'envFrom', 'image', 'imagePullPolicy', 'lifecycle', 'livenessProbe', 'name', 'ports', 'readinessProbe', 'resizePolicy',
    'resources', 'restartPolicy', 'securityContext', 'startupProbe', 'stdin', 'stdinOnce', 'terminationMessagePath', 'terminationMessagePolicy', 'tty',
    'volumeDevices', 'volumeMounts', 'workingDir',
  ])
    assert.ok(c.properties![f], `Container.${f}`);
  const containers = prop(pod, 'spec', 'containers');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(prop(pod, 'spec', 'volumes')['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.deepEqual(prop(pod, 'spec', 'containers', '[]', 'ports')['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(prop(pod, 'spec', 'containers', '[]', 'livenessProbe', 'grpc', 'port').format, 'int32');
  assert.equal(prop(schemaForKind({ group: 'apps', version: 'v1', kind: 'Deployment' }), 'spec', 'strategy')['x-kubernetes-patch-strategy'], 'retainKeys');
});

test('findUnknownFields reports upstream-style paths', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    foo: 1,
    metadata: { name: 'x', foo: 1, labels: { any: 'thing' }, managedFields: [{ fieldsV1: { 'f:x': {} } }] },
    spec: {
      containers: [{ name: 'c', image: 'i', foo: 2, resources: { limits: { cpu: '1' } }, livenessProbe: { httpGet: { port: 80, bar: 1 } } }],
      volumes: [{ name: 'v', awsElasticBlockStore: { volumeID: 'x', whatever: true } }],
    },
  };
  assert.deepEqual(findUnknownFields(POD, pod).sort(), ['foo', 'metadata.foo', 'spec.containers[0].foo', 'spec.containers[0].livenessProbe.httpGet.bar']);
  assert.deepEqual(findUnknownFields(POD, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { containers: [{ name: 'c' }] } }), []);
  const dep = { spec: { template: { spec: { containers: [{ name: 'c', imagee: 'x' }] } }, strategy: { type: 'Recreate', rolling: {} } } };
  assert.deepEqual(findUnknownFields({ group: 'apps', version: 'v1', kind: 'Deployment' }, dep).sort(), ['spec.strategy.rolling', 'spec.template.spec.containers[0].imagee']);
  assert.deepEqual(findUnknownFields({ group: 'x', version: 'v1', kind: 'Nope' }, { a: 1 }), []);
  assert.deepEqual(findUnknownFields({ group: 'apps', version: 'v1', kind: 'ControllerRevision' }, { data: { anything: 1 }, revision: 1 }), []);
});

test('findDuplicateFields finds repeated keys with paths', () => {
  const text = '{"kind":"Pod","metadata":{"name":"a","name":"b","name":"c"},"spec":{"containers":[{"name":"x"},{"name":"y","image":"i","image":"j"}]},"kind":"Pod"}';
  assert.deepEqual(findDuplicateFields(text), ['metadata.name', 'spec.containers[1].image', 'kind']);
  assert.deepEqual(findDuplicateFields('{"a":{"b":1},"c":{"b":2},"s":"x\\"y"}'), []);
  assert.deepEqual(findDuplicateFields('{"a": 1, "a"'), ['a']);
  assert.deepEqual(findDuplicateFields('not json'), []);
});

test('findTypeErrors detects gross mismatches and formats the upstream message', () => {
  const errs = findTypeErrors(POD, {
    metadata: { labels: [] },
    spec: { containers: 'abc', priority: 1.5, hostNetwork: 'yes', overhead: { cpu: 1 }, nodeSelector: null },
  });
  const byPath = Object.fromEntries(errs.map((e) => [e.path, e]));
  assert.deepEqual(Object.keys(byPath).sort(), ['metadata.labels', 'spec.containers', 'spec.hostNetwork', 'spec.priority']);
  assert.equal(
    typeErrorMessage(POD, byPath['spec.containers']),
    'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container',
  );
  assert.equal(byPath['metadata.labels'].expected, 'map[string]string');
  const nested = findTypeErrors(POD, { spec: { containers: [{ name: 'c', ports: [{ containerPort: '80' }], livenessProbe: { httpGet: { port: 'http' } } }] } });
  assert.deepEqual(nested.map((e) => [e.path, e.expected, e.struct]), [['spec.containers[0].ports[0].containerPort', 'int32', 'ContainerPort']]);
});
