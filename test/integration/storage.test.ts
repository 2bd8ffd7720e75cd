// Local persistent storage on simulated nodes: the default StorageClass and its admission,
// the PV controller binding claims to volumes (phases, claimRef, annotations, reclaim), the
// local-path provisioner making a volume on the node the scheduler chose, and the
// VolumeBinding plugin keeping a pod on the node of its volume.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { ApiError } from '../../src/api/errors.js';
import { kubectlPath, KUBECTL_MISSING } from '../helpers/cluster.js';
import { MERGE, ensureNamespace, events, eventsUntil, isRunningReady, livePods, podTemplate, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

const ns = 'storage';
const claimPath = (name = '') => `/api/v1/namespaces/${ns}/persistentvolumeclaims${name ? `/${name}` : ''}`;
const pvPath = (name = '') => `/api/v1/persistentvolumes${name ? `/${name}` : ''}`;

function claim(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } };
}

function volume(name: string, size: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, ...spec } };
}

function podWithClaim(name: string, claimName: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }], ...extra },
  };
}

describe('local persistent storage on simulated nodes', { timeout: 180_000 }, () => {
  let env: ControllerEnv;
  const get = (path: string) => env.api.json<KubeObject>('GET', path);
  const bound = (name: string) =>
    until(async () => {
      const c = await get(claimPath(name));
      return c.status?.phase === 'Bound' ? c : undefined;
    }, `claim ${name} Bound`, 30_000);

  before(async () => {
    env = await startControllerEnv();
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('serves the default local-path StorageClass and gives it to claims that name no class', async () => {
    assert.ok(kubectlPath(), KUBECTL_MISSING);
    const sc = await get('/apis/storage.k8s.io/v1/storageclasses/local-path');
    assert.equal(sc.provisioner, 'rancher.io/local-path');
    assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
    assert.equal(sc.reclaimPolicy, 'Delete');
    assert.equal(sc.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'], 'true');
    assert.equal((sc.parameters as Record<string, string>).nodePath, `${env.c.dir}/storage`);
    const c = await env.api.json<KubeObject>('POST', claimPath(), claim('defaulted'));
    assert.equal(c.spec.storageClassName, 'local-path');
    const none = await env.api.json<KubeObject>('POST', claimPath(), claim('classless', { storageClassName: '' }));
    assert.equal(none.spec.storageClassName, '');
    await assert.rejects(
      env.api.json('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'bad' }, provisioner: '', reclaimPolicy: 'Recycle' }),
      (e: unknown) => e instanceof ApiError && e.code === 422 && /provisioner: Required value/.test(e.message) && /reclaimPolicy: Unsupported value: "Recycle"/.test(e.message),
    );
    await assert.rejects(env.api.json('PATCH', '/apis/storage.k8s.io/v1/storageclasses/local-path', { provisioner: 'other.io/x' }, MERGE), (e: unknown) => e instanceof ApiError && e.code === 422 && /updates to provisioner are forbidden/.test(e.message));
    const table = await env.c.kubectl(['get', 'storageclass']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nlocal-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+\n$/);
    // a WaitForFirstConsumer claim waits for its pod
    await until(async () => ((await events(env.api, ns, 'defaulted')).some((e) => e.reason === 'WaitForFirstConsumer') ? true : undefined), 'WaitForFirstConsumer event');
    assert.equal((await get(claimPath('defaulted'))).status.phase, 'Pending');
  });

  it('binds a claim to the smallest matching volume, with claimRef, phases and annotations', async () => {
    await env.api.json('POST', pvPath(), volume('big', '10Gi', { storageClassName: 'manual' }));
    await env.api.json('POST', pvPath(), volume('small', '2Gi', { storageClassName: 'manual' }));
    await env.api.json('POST', pvPath(), volume('tiny', '512Mi', { storageClassName: 'manual' }));
    await env.api.json('POST', pvPath(), volume('other-class', '1Gi', { storageClassName: 'fast' }));
    await until(async () => ((await get(pvPath('big'))).status?.phase === 'Available' ? true : undefined), 'volume Available');
    const c = await env.api.json<KubeObject>('POST', claimPath(), claim('static', { storageClassName: 'manual' }));
    const b = await bound('static');
    assert.equal(b.spec.volumeName, 'small');
    assert.deepEqual(b.status.capacity, { storage: '2Gi' });
    assert.deepEqual(b.status.accessModes, ['ReadWriteOnce']);
    assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bind-completed'], 'yes');
    assert.equal(b.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
    const pv = await until(async () => {
      const v = await get(pvPath('small'));
      return v.status?.phase === 'Bound' ? v : undefined;
    }, 'volume Bound');
    assert.deepEqual({ ...pv.spec.claimRef, resourceVersion: undefined }, { kind: 'PersistentVolumeClaim', namespace: ns, name: 'static', uid: c.metadata.uid, apiVersion: 'v1', resourceVersion: undefined });
    // a selector narrows the choice
    await env.api.json('POST', pvPath(), volume('labelled', '20Gi', { storageClassName: 'manual' }, { disk: 'ssd' }));
    await until(async () => ((await get(pvPath('labelled'))).status?.phase === 'Available' ? true : undefined), 'labelled Available');
    assert.equal((await bound((await env.api.json<KubeObject>('POST', claimPath(), claim('picky', { storageClassName: 'manual', selector: { matchLabels: { disk: 'ssd' } } }))).metadata.name!)).spec.volumeName, 'labelled');
  });

  it('releases a volume when its claim goes: Retain keeps it, Delete removes it', async () => {
    await env.api.json('DELETE', claimPath('static'));
    await until(async () => ((await get(pvPath('small'))).status?.phase === 'Released' ? true : undefined), 'Retain volume Released');
    await env.api.json('POST', pvPath(), volume('scratch', '1Gi', { storageClassName: 'temp', persistentVolumeReclaimPolicy: 'Delete' }));
    await env.api.json('POST', claimPath(), claim('temp', { storageClassName: 'temp' }));
    await bound('temp');
    await env.api.json('DELETE', claimPath('temp'));
    await until(async () => ((await env.api.json<KubeList>('GET', pvPath())).items.some((v) => v.metadata.name === 'scratch') ? undefined : true), 'Delete volume removed');
    assert.equal((await get(pvPath('small'))).status.phase, 'Released');
  });

  it('keeps a pod with an unbound Immediate claim pending', async () => {
    await env.api.json('POST', claimPath(), claim('nothing-fits', { storageClassName: 'manual', resources: { requests: { storage: '1Ti' } } }));
    await env.api.json('POST', `/api/v1/namespaces/${ns}/pods`, podWithClaim('waits', 'nothing-fits'));
    const ev = await until(async () => (await events(env.api, ns, 'waits')).find((e) => e.reason === 'FailedScheduling'), 'FailedScheduling');
    assert.equal(ev.message, '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/waits`);
  });

  it('provisions a local-path volume on the node the scheduler picked, and keeps the pod there', async () => {
    const c = await get(claimPath('defaulted'));
    await env.api.json('POST', `/api/v1/namespaces/${ns}/pods`, podWithClaim('user', 'defaulted'));
    const pod = await until(async () => {
      const p = await get(`/api/v1/namespaces/${ns}/pods/user`);
      return isRunningReady(p) ? p : undefined;
    }, 'pod running', 30_000);
    const node = pod.spec.nodeName as string;
    const b = await bound('defaulted');
    assert.equal(b.metadata.annotations?.['volume.kubernetes.io/selected-node'], node);
    assert.equal(b.spec.volumeName, `pvc-${c.metadata.uid}`);
    const pv = await get(pvPath(b.spec.volumeName));
    assert.equal(pv.spec.hostPath.path, `${env.c.dir}/storage/pvc-${c.metadata.uid}_${ns}_defaulted`);
    assert.equal(pv.spec.storageClassName, 'local-path');
    assert.equal(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
    assert.deepEqual(pv.spec.nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } });
    assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'], 'rancher.io/local-path');
    await eventsUntil(env.api, ns, 'defaulted', (evs) => evs.some((e) => e.reason === 'ProvisioningSucceeded'), 'the ProvisioningSucceeded event');
    // a pod that must go elsewhere cannot use the volume
    const other = env.sim.nodeNames.find((n) => n !== node)!;
    await env.api.json('POST', `/api/v1/namespaces/${ns}/pods`, podWithClaim('elsewhere', 'defaulted', { nodeSelector: { 'kubernetes.io/hostname': other } }));
    const ev = await until(async () => (await events(env.api, ns, 'elsewhere')).find((e) => e.reason === 'FailedScheduling'), 'FailedScheduling');
    assert.equal(ev.message, "0/3 nodes are available: 1 node(s) had volume node affinity conflict, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/elsewhere`);
    // deleting the claim (once its pod is gone) removes the provisioned volume
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/user`);
    await until(async () => ((await livePods(env.api, ns)).some((p) => p.metadata.name === 'user') ? undefined : true), 'user pod gone');
    await env.api.json('DELETE', claimPath('defaulted'));
    await until(async () => ((await env.api.json<KubeList>('GET', pvPath())).items.some((v) => v.metadata.name === pv.metadata.name) ? undefined : true), 'provisioned volume deleted');
  });

  it('keeps a claim in use Terminating until its pod is gone (pvc-protection)', async () => {
    await env.api.json('POST', claimPath(), claim('guarded'));
    await env.api.json('POST', `/api/v1/namespaces/${ns}/pods`, podWithClaim('guard', 'guarded'));
    await until(async () => isRunningReady(await get(`/api/v1/namespaces/${ns}/pods/guard`)), 'guard running', 30_000);
    const c = await until(async () => {
      const x = await get(claimPath('guarded'));
      return x.metadata.finalizers?.includes('kubernetes.io/pvc-protection') ? x : undefined;
    }, 'pvc-protection finalizer');
    await until(async () => ((await get(pvPath(c.spec.volumeName))).metadata.finalizers?.includes('kubernetes.io/pv-protection') ? true : undefined), 'pv-protection finalizer');
    await env.api.json('DELETE', claimPath('guarded'));
    // the controller has had its chance to let go, and must not have
    await new Promise((r) => setTimeout(r, 2000));
    const terminating = await get(claimPath('guarded'));
    assert.ok(terminating.metadata.deletionTimestamp, 'Terminating');
    assert.equal(terminating.status.phase, 'Bound');
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/guard`);
    await until(async () => ((await env.api.json<KubeList>('GET', claimPath())).items.some((x) => x.metadata.name === 'guarded') ? undefined : true), 'claim gone after its pod', 30_000);
    await until(async () => ((await env.api.json<KubeList>('GET', pvPath())).items.some((v) => v.metadata.name === c.spec.volumeName) ? undefined : true), 'its volume deleted', 30_000);
  });

  it('brings a StatefulSet pod back on the node that holds its volume', async () => {
    const labels = { app: 'kv' };
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'kv' },
      spec: {
        replicas: 2,
        serviceName: 'kv',
        selector: { matchLabels: labels },
        template: { ...podTemplate(labels), spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const pods = await until(async () => {
      const ps = await livePods(env.api, ns, 'app=kv');
      return ps.length === 2 && ps.every(isRunningReady) ? ps : undefined;
    }, 'kv pods running', 60_000);
    for (const p of pods) {
      const c = await bound(`data-${p.metadata.name}`);
      const pv = await get(pvPath(c.spec.volumeName));
      assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, [p.spec.nodeName]);
    }
    const home = pods.find((p) => p.metadata.name === 'kv-0')!.spec.nodeName;
    for (let round = 0; round < 4; round++) {
      const old = await get(`/api/v1/namespaces/${ns}/pods/kv-0`);
      await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/kv-0`);
      const fresh = await until(async () => {
        const p = await get(`/api/v1/namespaces/${ns}/pods/kv-0`).catch(() => undefined);
        return p && p.metadata.uid !== old.metadata.uid && isRunningReady(p) ? p : undefined;
      }, 'kv-0 back', 30_000);
      assert.equal(fresh.spec.nodeName, home, `round ${round}: kv-0 is back on ${home}`);
    }
  });
});
