// Server-side lifecycle: service address allocation, the kubernetes Service, namespace
// deletion, graceful pod deletion and binding, finalizers, event recording and expiry.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { EventRecorder } from '../../src/client/events.js';
import { sweepEvents } from '../../src/apiserver/eventttl.js';
import { silentLogger } from '../../src/util/logger.js';
import { realClock } from '../../src/util/clock.js';

async function eventually<T>(f: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('lifecycle', () => {
  let c: TestCluster;
  let core: k8s.CoreV1Api;

  before(async () => {
    c = await startTestCluster();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });
  after(async () => c?.close());

  it('has the kubernetes Service and gives Services cluster IPs and node ports', async () => {
    const k = await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    assert.equal(k.spec?.clusterIP, '10.43.0.1');
    const a = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc-a' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } } });
    assert.match(a.spec!.clusterIP!, /^10\.43\.\d+\.\d+$/);
    assert.deepEqual(a.spec?.clusterIPs, [a.spec?.clusterIP]);
    assert.equal(a.spec?.ports?.[0]?.targetPort, 80);
    const b = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc-b' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } });
    assert.notEqual(b.spec?.clusterIP, a.spec?.clusterIP);
    assert.ok(b.spec!.ports![0]!.nodePort! >= 30000);
    const headless = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc-h' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } } });
    assert.equal(headless.spec?.clusterIP, 'None');
    await assert.rejects(
      core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc-c' }, spec: { clusterIP: a.spec!.clusterIP!, ports: [{ port: 80 }] } } }),
      (e: { code?: number }) => e.code === 422,
    );
  });

  it('binding assigns a node; a bound pod terminates gracefully until grace 0', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bound' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    await core.createNamespacedBinding({ namespace: 'default', body: { metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-1' } } });
    const p = await core.readNamespacedPod({ name: 'bound', namespace: 'default' });
    assert.equal(p.spec?.nodeName, 'node-1');
    assert.equal(p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
    await assert.rejects(
      core.createNamespacedBinding({ namespace: 'default', body: { metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-2' } } }),
      (e: { code?: number }) => e.code === 409,
    );
    const del = await core.deleteNamespacedPod({ name: 'bound', namespace: 'default' });
    assert.ok((del as k8s.V1Pod).metadata?.deletionTimestamp, 'the pod stays with a deletionTimestamp');
    const still = await core.readNamespacedPod({ name: 'bound', namespace: 'default' });
    assert.equal(still.metadata?.deletionGracePeriodSeconds, 30);
    await core.deleteNamespacedPod({ name: 'bound', namespace: 'default', gracePeriodSeconds: 0 });
    await assert.rejects(core.readNamespacedPod({ name: 'bound', namespace: 'default' }), (e: { code?: number }) => e.code === 404);
  });

  it('finalizers hold an object until they are removed', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'default' });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'default' });
    assert.ok(held.metadata?.deletionTimestamp);
    await core.patchNamespacedConfigMap({ name: 'held', namespace: 'default', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'held', namespace: 'default' }), (e: { code?: number }) => e.code === 404);
  });

  it('deleting a namespace deletes what is inside, then the namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'x' } } });
    await core.createNamespacedPod({ namespace: 'doomed', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    await core.deleteNamespace({ name: 'doomed' });
    await assert.rejects(
      core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }),
      (e: { code?: number }) => e.code === 403 || e.code === 404,
    );
    await eventually(async () => {
      try {
        await core.readNamespace({ name: 'doomed' });
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code === 404 ? true : undefined;
      }
    }, 'namespace doomed to disappear');
    const left = await core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=doomed' });
    assert.equal(left.items.length, 0);
  });

  it('the event recorder folds repeats, and old events expire', async () => {
    const pod = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'evented' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    const rest = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    const rec = new EventRecorder(rest, 'test-component', realClock, silentLogger(), 'node-x');
    const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata!.name!, namespace: 'default', uid: pod.metadata!.uid! } };
    await rec.event(obj, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.event(obj, 'Warning', 'BackOff', 'Back-off restarting failed container');
    await rec.event(obj, 'Normal', 'Scheduled', 'Successfully assigned default/evented to node-x');
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=evented,involvedObject.uid=${pod.metadata!.uid}` });
    const backoff = list.items.find((e) => e.reason === 'BackOff');
    assert.equal(backoff?.count, 2);
    assert.equal(backoff?.source?.component, 'test-component');
    assert.equal(list.items.length, 2);
    rest.close();
    const fakeClock = { now: () => Date.now() + 2 * 3600_000, nowRFC3339: () => new Date(Date.now() + 2 * 3600_000).toISOString() };
    const removed = await sweepEvents(c.api.get('', 'events')!, fakeClock, 3600_000);
    assert.ok(removed >= 2);
    const after = await core.listNamespacedEvent({ namespace: 'default' });
    assert.equal(after.items.length, 0);
  });
});
