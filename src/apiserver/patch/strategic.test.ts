import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { GVK, KubeObject } from '../../api/types.js';
import { patchMeta } from './patchmeta.js';
import { applyStrategicMergePatch } from './strategic.js';

const POD: GVK = { group: '', version: 'v1', kind: 'Pod' };
const DEPLOY: GVK = { group: 'apps', version: 'v1', kind: 'Deployment' };

const pod = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { v: '1' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'old' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      {
        name: 'main',
        image: 'nginx:1.27',
        ports: [{ containerPort: 8080 }, { containerPort: 80 }],
        env: [{ name: 'A', value: '1' }, { name: 'B', value: '1' }],
        args: ['x', 'y'],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
});

test('the exact kubectl apply body', () => {
  const body = JSON.parse(
    '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"..."},"labels":{"v":"2"}},"spec":{"$setElementOrder/containers":[{"name":"main"}],"containers":[{"name":"main","image":"nginx:1.28","$setElementOrder/ports":[{"containerPort":8080}],"ports":[{"containerPort":8080},{"$patch":"delete","containerPort":80}],"$setElementOrder/env":[{"name":"B"}],"env":[{"name":"B","value":"2"},{"$patch":"delete","name":"A"}]}]}}',
  );
  const before = pod();
  const out = applyStrategicMergePatch(POD, before, body);
  assert.deepEqual(out.metadata.labels, { v: '2' });
  assert.equal(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], '...');
  assert.deepEqual(out.spec.containers, [
    { name: 'main', image: 'nginx:1.28', ports: [{ containerPort: 8080 }], env: [{ name: 'B', value: '2' }], args: ['x', 'y'] },
  ]);
  assert.deepEqual(before, pod(), 'input not mutated');
  assert.ok(!JSON.stringify(out).includes('$'), 'no directive stored');
});

test('merge lists merge by key, new items append, atomic lists replace', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    spec: {
      containers: [{ name: 'side', image: 'busybox' }, { name: 'main', args: ['z'], env: [{ name: 'C', value: '3' }] }],
      tolerations: [{ key: 'other', operator: 'Exists' }],
    },
  });
  assert.deepEqual(
    out.spec.containers.map((c: { name: string }) => c.name),
    ['side', 'main'],
    'patch order wins for items present in the patch',
  );
  const main = out.spec.containers[1];
  assert.deepEqual(main.args, ['z']);
  // Upstream mergeSortedSlice puts patch items not found in the live list first (kubectl always sends $setElementOrder).
  assert.deepEqual(main.env.map((e: { name: string }) => e.name), ['C', 'A', 'B']);
  assert.deepEqual(out.spec.tolerations, [{ key: 'other', operator: 'Exists' }]);
});

test('$setElementOrder reorders and is never stored', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    spec: { containers: [{ name: 'main', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }] },
  });
  assert.deepEqual(out.spec.containers[0].env.map((e: { name: string }) => e.name), ['B', 'A']);
  assert.ok(!('$setElementOrder/env' in out.spec.containers[0]));
});

test('$patch: replace on a list and on a map, $patch: delete on a map', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    metadata: { labels: { $patch: 'replace', only: 'this' } },
    spec: { containers: [{ name: 'main', env: [{ name: 'Z', value: '0' }, { $patch: 'replace' }] }] },
  });
  assert.deepEqual(out.metadata.labels, { only: 'this' });
  assert.deepEqual(out.spec.containers[0].env, [{ name: 'Z', value: '0' }]);
  const del = applyStrategicMergePatch(POD, pod(), { metadata: { labels: { $patch: 'delete' } } });
  assert.deepEqual(del.metadata.labels, {});
});

test('$patch: delete removes a list item by merge key; null deletes a key', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    metadata: { annotations: null },
    spec: { containers: [{ name: 'main', ports: [{ containerPort: 8080, $patch: 'delete' }], image: null }] },
  });
  assert.equal(out.metadata.annotations, undefined);
  assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80 }]);
  assert.ok(!('image' in out.spec.containers[0]));
});

test('$retainKeys on volumes and Deployment strategy', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] },
  });
  assert.deepEqual(out.spec.volumes, [{ name: 'data', configMap: { name: 'cm' } }]);
  const dep: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const d2 = applyStrategicMergePatch(DEPLOY, dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(d2.spec.strategy, { type: 'Recreate' });
  assert.throws(
    () => applyStrategicMergePatch(DEPLOY, dep, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('$deleteFromPrimitiveList/finalizers and primitive set merge', () => {
  const out = applyStrategicMergePatch(POD, pod(), {
    metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] },
  });
  assert.deepEqual(out.metadata.finalizers, ['c', 'a']);
  const ordered = applyStrategicMergePatch(POD, pod(), {
    metadata: { '$setElementOrder/finalizers': ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] },
  });
  assert.deepEqual(ordered.metadata.finalizers, ['b']);
});

test('pod templates inside workloads use the pod spec keys', () => {
  const dep: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { template: { metadata: { annotations: { a: '1' } }, spec: { containers: [{ name: 'main', image: 'a' }, { name: 'side', image: 'b' }] } } },
  };
  const out = applyStrategicMergePatch(DEPLOY, dep, {
    spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } }, spec: { containers: [{ name: 'side', image: 'c' }] } } },
  });
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'main', image: 'a' }, { name: 'side', image: 'c' }]);
  assert.deepEqual(out.spec.template.metadata.annotations, { a: '1', 'kubectl.kubernetes.io/restartedAt': 'now' });
  assert.deepEqual(patchMeta({ group: 'batch', version: 'v1', kind: 'CronJob' }, ['spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 'env']), {
    strategy: 'merge',
    mergeKey: 'name',
    listType: 'map',
    listKeys: ['name'],
  });
  assert.equal(patchMeta(POD, ['spec', 'tolerations']).strategy, 'replace');
});

test('unknown kinds replace lists atomically but honour directives', () => {
  const gvk: GVK = { group: 'example.com', version: 'v1', kind: 'Widget' };
  const w: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { items: [{ name: 'a' }], m: { x: 1, y: 2 } } };
  const out = applyStrategicMergePatch(gvk, w, { spec: { items: [{ name: 'b' }], m: { $retainKeys: ['x'], x: 3 } } });
  assert.deepEqual(out.spec, { items: [{ name: 'b' }], m: { x: 3 } });
});

test('errors: non-object patch 400, missing merge key 500', () => {
  assert.throws(() => applyStrategicMergePatch(POD, pod(), [1]), (e: unknown) => e instanceof ApiError && e.code === 400);
  assert.throws(
    () => applyStrategicMergePatch(POD, pod(), { spec: { containers: [{ image: 'x' }] } }),
    (e: unknown) => e instanceof ApiError && e.code === 500 && /does not contain declared merge key: name/.test(e.message),
  );
});
