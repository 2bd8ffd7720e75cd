import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../errors.js';
import type { GVK, KubeObject } from '../types.js';
import { applyDefaults, imageTag } from './index.js';

const gvk = (group: string, kind: string, version = 'v1'): GVK => ({ group, version, kind });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;

test('image tags decide imagePullPolicy', () => {
  const cases: [string, string][] = [['nginx', 'latest'], ['nginx:1.25', '1.25'], ['nginx:latest', 'latest'], ['registry:5000/app', 'latest'],
    ['registry:5000/app:v1', 'v1'], ['busybox@sha256:abc', ''], ['Bad/Image', '']];
  for (const [img, tag] of cases) assert.equal(imageTag(img), tag, img);
});

test('pod defaults match kube-apiserver', () => {
  const pod: J = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
    spec: {
      containers: [{
        name: 'c', image: 'nginx', ports: [{ containerPort: 80 }],
        resources: { limits: { cpu: '0.5', memory: '1.5Gi' } },
        env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        livenessProbe: { httpGet: { port: 80 } },
      }],
      initContainers: [{ name: 'i', image: 'busybox:1.36' }],
      volumes: [{ name: 'a' }, { name: 'b', secret: { secretName: 's' } }, { name: 'c', configMap: { name: 'cm' } }, { name: 'd', hostPath: { path: '/x' } }],
    },
  };
  applyDefaults(gvk('', 'Pod'), pod);
  const s = pod.spec;
  assert.equal(s.restartPolicy, 'Always');
  assert.equal(s.dnsPolicy, 'ClusterFirst');
  assert.equal(s.schedulerName, 'default-scheduler');
  assert.equal(s.terminationGracePeriodSeconds, 30);
  assert.deepEqual(s.securityContext, {});
  assert.equal(s.enableServiceLinks, true);
  assert.equal(s.serviceAccountName, 'default');
  assert.equal(s.serviceAccount, 'default');
  const c = s.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(s.initContainers[0].imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '1536Mi' }, requests: { cpu: '500m', memory: '1536Mi' } });
  assert.deepEqual(s.initContainers[0].resources, {});
  assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.deepEqual(s.volumes[0], { name: 'a', emptyDir: {} });
  assert.equal(s.volumes[1].secret.defaultMode, 420);
  assert.equal(s.volumes[2].configMap.defaultMode, 420);
  assert.equal(s.volumes[3].hostPath.type, '');
});

test('hostNetwork pods get hostPort = containerPort', () => {
  const pod: J = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'x:1', ports: [{ containerPort: 8080 }] }] } };
  applyDefaults(gvk('', 'Pod'), pod);
  assert.equal(pod.spec.containers[0].ports[0].hostPort, 8080);
});

test('invalid quantity fails like the decoder', () => {
  const pod: J = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { cpu: 'lots' } } }] } };
  assert.throws(() => applyDefaults(gvk('', 'Pod'), pod), (e: unknown) => e instanceof ApiError && e.code === 400 &&
    e.message === `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
});

const template = (): J => ({ metadata: { labels: { app: 'test' } }, spec: { containers: [{ name: 'test', image: 'nginx', imagePullPolicy: 'IfNotPresent', resources: { limits: { cpu: '1' } } }] } });

test('workload defaults', () => {
  const d: J = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'test' } }, template: template() } };
  applyDefaults(gvk('apps', 'Deployment'), d);
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.template.metadata.creationTimestamp, null);
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.enableServiceLinks, undefined);
  assert.equal(d.spec.template.spec.serviceAccountName, undefined);
  assert.equal(d.spec.template.spec.containers[0].resources.requests, undefined, 'requests-from-limits is pod-only');

  const ds: J = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x' }, spec: { template: template() } };
  applyDefaults(gvk('apps', 'DaemonSet'), ds);
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);

  const sts: J = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x' }, spec: { template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } };
  applyDefaults(gvk('apps', 'StatefulSet'), sts);
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(sts.spec.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');

  const rc: J = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'x' }, spec: { template: template() } };
  applyDefaults(gvk('', 'ReplicationController'), rc);
  assert.deepEqual(rc.spec.selector, { app: 'test' });
  assert.deepEqual(rc.metadata.labels, { app: 'test' });
  assert.equal(rc.spec.replicas, 1);

  const job: J = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } } };
  applyDefaults(gvk('batch', 'Job'), job);
  assert.equal(job.spec.parallelism, 1);
  assert.equal(job.spec.completions, 1);
  assert.equal(job.spec.backoffLimit, 6);
  assert.equal(job.spec.completionMode, 'NonIndexed');
  assert.equal(job.spec.suspend, false);
  assert.equal(job.spec.manualSelector, undefined);
  assert.equal(job.spec.selector, undefined);

  const par: J = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { parallelism: 3, template: template() } };
  applyDefaults(gvk('batch', 'Job'), par);
  assert.equal(par.spec.completions, undefined);

  const cj: J = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: template() } } } };
  applyDefaults(gvk('batch', 'CronJob'), cj);
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(cj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('core kind defaults', () => {
  const svc: J = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 443, targetPort: 'https' }] } };
  applyDefaults(gvk('', 'Service'), svc);
  assert.equal(svc.spec.type, 'ClusterIP');
  assert.equal(svc.spec.sessionAffinity, 'None');
  assert.equal(svc.spec.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(svc.spec.ports[0], { port: 80, protocol: 'TCP', targetPort: 80 });
  assert.equal(svc.spec.ports[1].targetPort, 'https');
  assert.deepEqual(svc.status, { loadBalancer: {} });
  const np: J = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  applyDefaults(gvk('', 'Service'), np);
  assert.equal(np.spec.externalTrafficPolicy, 'Cluster');

  const sec: J = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
  applyDefaults(gvk('', 'Secret'), sec);
  assert.equal(sec.type, 'Opaque');
  const ns: J = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
  applyDefaults(gvk('', 'Namespace'), ns);
  assert.equal(ns.status.phase, 'Active');
  assert.equal(ns.metadata.labels['kubernetes.io/metadata.name'], 'team-a');
  const pvc: J = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage: '1Gi' } } } };
  applyDefaults(gvk('', 'PersistentVolumeClaim'), pvc);
  assert.equal(pvc.spec.volumeMode, 'Filesystem');
  assert.equal(pvc.status.phase, 'Pending');
  const pv: J = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '1000Mi' } } };
  applyDefaults(gvk('', 'PersistentVolume'), pv);
  assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(pv.spec.volumeMode, 'Filesystem');
  const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
  applyDefaults(gvk('', 'ConfigMap'), cm);
  assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
});
