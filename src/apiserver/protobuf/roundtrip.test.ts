// Round trips: encode proto-shaped objects with our schema inside a runtime.Unknown envelope, then decode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { decodeK8sProtobuf, K8S_PROTOBUF_MAGIC } from './decode.js';
import { buildK8sRoot, WKT } from './schema/index.js';

const root = buildK8sRoot();

function envelope(apiVersion: string, kind: string, raw: Uint8Array, contentEncoding = ''): Uint8Array {
  const unknown = root.lookupType(WKT.unknown);
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding, contentType: '' })).finish();
  return new Uint8Array([...K8S_PROTOBUF_MAGIC, ...body]);
}

function encode(messageName: string, apiVersion: string, kind: string, obj: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(messageName);
  const err = t.verify(obj);
  if (err) throw new Error(err);
  return envelope(apiVersion, kind, t.encode(t.fromObject(obj)).finish());
}

const T0 = { seconds: 1_700_000_000 }; // 2023-11-14T22:13:20Z
const meta = { name: 'x', namespace: 'ns', uid: 'u1', creationTimestamp: T0, labels: { a: '1' }, annotations: { note: 'hi' }, generation: 0 };
const metaJson = { name: 'x', namespace: 'ns', uid: 'u1', creationTimestamp: '2023-11-14T22:13:20Z', labels: { a: '1' }, annotations: { note: 'hi' } };

test('Namespace with finalizers and phase', () => {
  const got = decodeK8sProtobuf(encode('k8s.io.api.core.v1.Namespace', 'v1', 'Namespace', { metadata: meta, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }));
  assert.deepEqual(got, { kind: 'Namespace', apiVersion: 'v1', metadata: metaJson, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
});

test('ConfigMap data, binaryData and immutable=false (pointer kept)', () => {
  const got = decodeK8sProtobuf(
    encode('k8s.io.api.core.v1.ConfigMap', 'v1', 'ConfigMap', { metadata: meta, data: { k: 'v' }, binaryData: { b: Buffer.from([0, 1, 255]) }, immutable: false }),
  );
  assert.deepEqual(got, { kind: 'ConfigMap', apiVersion: 'v1', metadata: metaJson, immutable: false, data: { k: 'v' }, binaryData: { b: 'AAH/' } });
});

test('Secret data as base64, stringData, type, immutable', () => {
  const got = decodeK8sProtobuf(
    encode('k8s.io.api.core.v1.Secret', 'v1', 'Secret', { metadata: meta, data: { pw: Buffer.from('hunter2') }, stringData: { s: 'plain' }, type: 'Opaque', immutable: true }),
  );
  assert.deepEqual(got, { kind: 'Secret', apiVersion: 'v1', metadata: metaJson, immutable: true, data: { pw: 'aHVudGVyMg==' }, stringData: { s: 'plain' }, type: 'Opaque' });
});

test('Service ports with int and string targetPort, clusterIPs, selector', () => {
  const spec = {
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: { type: 0, intVal: 8080 }, nodePort: 0 },
      { name: 'web', protocol: 'TCP', port: 443, targetPort: { type: 1, strVal: 'https' } },
    ],
    selector: { app: 'web' },
    clusterIP: '10.0.0.10',
    clusterIPs: ['10.0.0.10'],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
    publishNotReadyAddresses: false,
  };
  const got = decodeK8sProtobuf(encode('k8s.io.api.core.v1.Service', 'v1', 'Service', { metadata: meta, spec }));
  assert.deepEqual(got.spec, {
    ports: [
      { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: 'web', protocol: 'TCP', port: 443, targetPort: 'https' },
    ],
    selector: { app: 'web' },
    clusterIP: '10.0.0.10',
    clusterIPs: ['10.0.0.10'],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
  });
});

const podSpec = {
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      command: ['sh', '-c'],
      args: ['echo hi'],
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [
        { name: 'A', value: 'B' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { localObjectReference: { name: 's1' }, key: 'pw' } } },
      ],
      resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } }, requests: { cpu: { string: '100m' } } },
      volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
      readinessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 0, intVal: 80 } } }, periodSeconds: 5 },
      imagePullPolicy: 'IfNotPresent',
      securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false },
    },
  ],
  volumes: [
    { name: 'data', volumeSource: { emptyDir: {} } },
    { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'cm1' }, defaultMode: 420, items: [{ key: 'a', path: 'a.txt' }] } } },
    { name: 'sec', volumeSource: { secret: { secretName: 's1', optional: false } } },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 0,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { disk: 'ssd' },
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
};

const podSpecJson = {
  volumes: [
    { name: 'data', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'cm1', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 } },
    { name: 'sec', secret: { secretName: 's1', optional: false } },
  ],
  containers: [
    {
      name: 'app',
      image: 'nginx:1.27',
      command: ['sh', '-c'],
      args: ['echo hi'],
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
      env: [
        { name: 'A', value: 'B' },
        { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 's1', key: 'pw' } } },
      ],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
      volumeMounts: [{ name: 'data', readOnly: true, mountPath: '/data' }],
      readinessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 5 },
      imagePullPolicy: 'IfNotPresent',
      securityContext: { runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false },
    },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 0,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { disk: 'ssd' },
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
};

test('Pod: containers, env sources, resources, probes, inline volume sources', () => {
  const status = { phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }], startTime: { seconds: 1_700_000_060 } };
  const got = decodeK8sProtobuf(encode('k8s.io.api.core.v1.Pod', 'v1', 'Pod', { metadata: meta, spec: podSpec, status }));
  assert.deepEqual(got, {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: metaJson,
    spec: podSpecJson,
    status: { phase: 'Running', podIP: '10.1.0.5', podIPs: [{ ip: '10.1.0.5' }], startTime: '2023-11-14T22:14:20Z' },
  });
});

test('Deployment: replicas 0 kept, selector expressions, RollingUpdate IntOrString', () => {
  const spec = {
    replicas: 0,
    selector: { matchLabels: { app: 'w' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
    template: { metadata: { labels: { app: 'w' } }, spec: podSpec },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '25%' }, maxSurge: { type: 0, intVal: 0 } } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  };
  const got = decodeK8sProtobuf(encode('k8s.io.api.apps.v1.Deployment', 'apps/v1', 'Deployment', { metadata: meta, spec, status: { replicas: 0, conditions: [] } }));
  assert.deepEqual(got.spec, {
    replicas: 0,
    selector: { matchLabels: { app: 'w' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
    template: { metadata: { labels: { app: 'w' } }, spec: podSpecJson },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  });
  assert.deepEqual(got.status, {});
});

test('SelfSubjectAccessReview resourceAttributes and nonResourceAttributes', () => {
  const spec = { resourceAttributes: { namespace: 'ns', verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', name: 'web' } };
  const got = decodeK8sProtobuf(encode('k8s.io.api.authorization.v1.SelfSubjectAccessReview', 'authorization.k8s.io/v1', 'SelfSubjectAccessReview', { metadata: {}, spec }));
  assert.deepEqual(got, { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {}, spec });
  const nr = decodeK8sProtobuf(
    encode('k8s.io.api.authorization.v1.SelfSubjectAccessReview', 'authorization.k8s.io/v1', 'SelfSubjectAccessReview', { spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' } } }),
  );
  assert.deepEqual(nr.spec, { nonResourceAttributes: { path: '/healthz', verb: 'get' } });
});

test('metadata: ownerReferences, deletion fields, managedFields with fieldsV1 JSON and microsecond-free times', () => {
  const m = {
    name: 'x',
    deletionTimestamp: { seconds: 1_700_000_000, nanos: 5 },
    deletionGracePeriodSeconds: 0,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }],
    finalizers: ['f'],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:data":{}}') } }],
  };
  const got = decodeK8sProtobuf(encode('k8s.io.api.core.v1.ConfigMap', 'v1', 'ConfigMap', { metadata: m }));
  assert.deepEqual(got.metadata, {
    name: 'x',
    deletionTimestamp: '2023-11-14T22:13:20Z',
    deletionGracePeriodSeconds: 0,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }],
    finalizers: ['f'],
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
  });
});

const isApiError = (code: number) => (e: unknown) => e instanceof ApiError && e.code === code;

test('errors: missing magic, malformed bytes, missing type meta → 400', () => {
  assert.throws(() => decodeK8sProtobuf(new TextEncoder().encode('{"kind":"Namespace"}')), isApiError(400));
  assert.throws(() => decodeK8sProtobuf(new Uint8Array([0x6b, 0x38, 0x73])), isApiError(400));
  assert.throws(() => decodeK8sProtobuf(new Uint8Array([...K8S_PROTOBUF_MAGIC, 0x0a, 0x50, 0x01])), isApiError(400));
  assert.throws(() => decodeK8sProtobuf(envelope('', '', new Uint8Array())), isApiError(400));
  assert.throws(() => decodeK8sProtobuf(envelope('v1', 'ConfigMap', new Uint8Array([0x0a, 0x7f]))), isApiError(400));
});

test('errors: unknown kinds and content encodings → 415', () => {
  assert.throws(() => decodeK8sProtobuf(envelope('coordination.k8s.io/v1', 'Lease', new Uint8Array())), isApiError(415));
  assert.throws(() => decodeK8sProtobuf(envelope('v1', 'Namespace', new Uint8Array(), 'gzip')), isApiError(415));
});
