// Round trips for batch/v1 Job and CronJob and core/v1 ServiceAccount: encode proto-shaped objects with our
// schema inside a runtime.Unknown envelope, then decode and compare with the Go JSON form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeK8sProtobuf, K8S_PROTOBUF_MAGIC, protobufKinds } from './decode.js';
import { buildK8sRoot, WKT } from './schema/index.js';

const root = buildK8sRoot();

function encode(messageName: string, apiVersion: string, kind: string, obj: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(messageName);
  const err = t.verify(obj);
  if (err) throw new Error(err);
  const unknown = root.lookupType(WKT.unknown);
  const raw = t.encode(t.fromObject(obj)).finish();
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return new Uint8Array([...K8S_PROTOBUF_MAGIC, ...body]);
}

const T0 = { seconds: 1_700_000_000 }; // 2023-11-14T22:13:20Z
const podTemplate = { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } };
const podTemplateJson = { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } };

test('Job, CronJob and ServiceAccount are decodable kinds', () => {
  for (const k of ['batch/v1/Job', 'batch/v1/CronJob', 'v1/ServiceAccount']) assert.ok(protobufKinds().includes(k), k);
});

test('Job spec: pointer fields kept at zero, selector, template, completionMode', () => {
  const spec = {
    parallelism: 0,
    completions: 3,
    activeDeadlineSeconds: 600,
    backoffLimit: 0,
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
    manualSelector: false,
    template: podTemplate,
    ttlSecondsAfterFinished: 100,
    completionMode: 'Indexed',
    suspend: true,
    podReplacementPolicy: 'Failed',
  };
  const got = decodeK8sProtobuf(encode('k8s.io.api.batch.v1.Job', 'batch/v1', 'Job', { metadata: { name: 'j' }, spec }));
  assert.deepEqual(got, {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'j' },
    spec: { ...spec, template: podTemplateJson },
  });
});

test('Job status: counters omitted at zero, conditions, times, uncounted pods, ready kept', () => {
  const status = {
    conditions: [{ type: 'Complete', status: 'True', lastProbeTime: T0, lastTransitionTime: T0, reason: '', message: '' }],
    startTime: T0,
    completionTime: T0,
    active: 0,
    succeeded: 2,
    failed: 0,
    completedIndexes: '0-1',
    uncountedTerminatedPods: { succeeded: ['p1'] },
    ready: 0,
  };
  const got = decodeK8sProtobuf(encode('k8s.io.api.batch.v1.Job', 'batch/v1', 'Job', { metadata: { name: 'j' }, status }));
  const t = '2023-11-14T22:13:20Z';
  assert.deepEqual(got.status, {
    conditions: [{ type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t }],
    startTime: t,
    completionTime: t,
    succeeded: 2,
    completedIndexes: '0-1',
    uncountedTerminatedPods: { succeeded: ['p1'] },
    ready: 0,
  });
});

test('CronJob spec with jobTemplate, history limits, timeZone; status active references', () => {
  const spec = {
    schedule: '*/1 * * * *',
    timeZone: 'Etc/UTC',
    startingDeadlineSeconds: 30,
    concurrencyPolicy: 'Forbid',
    suspend: false,
    jobTemplate: { metadata: { name: 'cj', labels: { a: '1' } }, spec: { backoffLimit: 2, template: podTemplate } },
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 0,
  };
  const status = { active: [{ kind: 'Job', namespace: 'default', name: 'cj-1', uid: 'u2', apiVersion: 'batch/v1', resourceVersion: '7' }], lastScheduleTime: T0 };
  const got = decodeK8sProtobuf(encode('k8s.io.api.batch.v1.CronJob', 'batch/v1', 'CronJob', { metadata: { name: 'cj' }, spec, status }));
  assert.deepEqual(got, {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: { name: 'cj' },
    spec: { ...spec, jobTemplate: { metadata: { name: 'cj', labels: { a: '1' } }, spec: { backoffLimit: 2, template: podTemplateJson } } },
    status: { ...status, lastScheduleTime: '2023-11-14T22:13:20Z' },
  });
});

test('CronJob: empty schedule is kept (not omitempty), empty concurrencyPolicy dropped', () => {
  const got = decodeK8sProtobuf(encode('k8s.io.api.batch.v1.CronJob', 'batch/v1', 'CronJob', { metadata: {}, spec: { schedule: '', concurrencyPolicy: '' } }));
  assert.deepEqual(got.spec, { schedule: '' });
});

test('ServiceAccount secrets, imagePullSecrets and automountServiceAccountToken=false', () => {
  const got = decodeK8sProtobuf(
    encode('k8s.io.api.core.v1.ServiceAccount', 'v1', 'ServiceAccount', {
      metadata: { name: 'sa', namespace: 'ns' },
      secrets: [{ name: 'tok', namespace: '', fieldPath: '' }],
      imagePullSecrets: [{ name: 'regcred' }],
      automountServiceAccountToken: false,
    }),
  );
  assert.deepEqual(got, {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'sa', namespace: 'ns' },
    secrets: [{ name: 'tok' }],
    imagePullSecrets: [{ name: 'regcred' }],
    automountServiceAccountToken: false,
  });
});
