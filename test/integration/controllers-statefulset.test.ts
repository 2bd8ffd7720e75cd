// The StatefulSet controller on simulated nodes: ordered creation and reverse-ordered scale
// down, Parallel, stable names after a pod is deleted, revisions and a partitioned rolling
// update, claims from volumeClaimTemplates kept after scale down, status and events.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { kubectlPath, KUBECTL_MISSING } from '../helpers/cluster.js';
import { MERGE, ensureNamespace, events, eventsUntil, isRunningReady, livePods, podTemplate, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

const ns = 'sts';
const stsPath = (name = '') => `/apis/apps/v1/namespaces/${ns}/statefulsets${name ? `/${name}` : ''}`;

function statefulSet(name: string, replicas: number, spec: Record<string, unknown> = {}): KubeObject {
  const labels = { app: name };
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name }, spec: { replicas, serviceName: name, selector: { matchLabels: labels }, template: podTemplate(labels), ...spec } };
}

const ordinal = (p: KubeObject) => Number(p.metadata.name!.slice(p.metadata.name!.lastIndexOf('-') + 1));
const byCreation = (a: KubeObject, b: KubeObject) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!) || ordinal(a) - ordinal(b);

async function getSts(env: ControllerEnv, name: string): Promise<KubeObject> {
  return env.api.json<KubeObject>('GET', stsPath(name));
}

describe('StatefulSet controller on simulated nodes', { timeout: 180_000 }, () => {
  let env: ControllerEnv;
  before(async () => {
    env = await startControllerEnv();
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('creates pods one at a time in ordinal order with stable identities, and reports status', async () => {
    // watch pods as they come: with OrderedReady, web-N appears only once web-(N-1) is Running and Ready
    const seen: { name: string; readyBefore: string[] }[] = [];
    const poll = setInterval(() => {
      void livePods(env.api, ns, 'app=web').then((ps) => {
        for (const p of ps) {
          if (seen.some((s) => s.name === p.metadata.name)) continue;
          seen.push({ name: p.metadata.name!, readyBefore: ps.filter(isRunningReady).map((x) => x.metadata.name!) });
        }
      }, () => undefined);
    }, 20);
    const set = await env.api.json<KubeObject>('POST', stsPath(), statefulSet('web', 3));
    const pods = await until(async () => {
      const ps = await livePods(env.api, ns, 'app=web');
      return ps.length === 3 && ps.every(isRunningReady) ? ps : undefined;
    }, '3 running pods', 60_000);
    clearInterval(poll);
    assert.deepEqual(pods.sort(byCreation).map((p) => p.metadata.name), ['web-0', 'web-1', 'web-2'], 'created in ordinal order');
    for (let i = 1; i < pods.length; i++) {
      assert.ok(Date.parse(pods[i]!.metadata.creationTimestamp!) >= Date.parse(pods[i - 1]!.status!.conditions!.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime), `${pods[i]!.metadata.name} created after its predecessor was Ready`);
    }
    for (const s of seen.filter((x) => x.name !== 'web-0')) {
      const prev = `web-${Number(s.name.slice(4)) - 1}`;
      assert.ok(s.readyBefore.includes(prev), `${s.name} appeared while ${prev} was Ready`);
    }
    const p1 = pods.find((p) => p.metadata.name === 'web-1')!;
    assert.equal(p1.spec.hostname, 'web-1');
    assert.equal(p1.spec.subdomain, 'web');
    assert.equal(p1.metadata.labels!['statefulset.kubernetes.io/pod-name'], 'web-1');
    assert.equal(p1.metadata.labels!['apps.kubernetes.io/pod-index'], '1');
    assert.deepEqual(p1.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: set.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const st = await until(async () => {
      const s = (await getSts(env, 'web')).status;
      return s?.readyReplicas === 3 && s?.availableReplicas === 3 && s?.currentReplicas === 3 ? s : undefined;
    }, 'status ready 3');
    assert.equal(st.replicas, 3);
    assert.equal(st.updatedReplicas, 3);
    assert.equal(st.observedGeneration, 1);
    assert.equal(st.collisionCount, 0);
    assert.match(st.currentRevision, /^web-[a-z0-9]+$/);
    assert.equal(st.updateRevision, st.currentRevision);
    assert.equal(p1.metadata.labels!['controller-revision-hash'], st.currentRevision);
    const revs = (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`)).items.filter((r) => r.metadata.ownerReferences?.[0]?.uid === set.metadata.uid);
    assert.equal(revs.length, 1);
    assert.equal(revs[0]!.metadata.name, st.currentRevision);
    assert.equal(revs[0]!.revision, 1);
    await eventsUntil(env.api, ns, 'web', (evs) => evs.some((e) => e.reason === 'SuccessfulCreate' && e.message === 'create Pod web-0 in StatefulSet web successful'), 'the SuccessfulCreate event of web-0');
  });

  it('recreates a deleted pod under the same name', async () => {
    const old = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/web-1`);
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/web-1`);
    const fresh = await until(async () => {
      const p = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/web-1`).catch(() => undefined);
      return p && p.metadata.uid !== old.metadata.uid && isRunningReady(p) ? p : undefined;
    }, 'web-1 back with a new uid', 30_000);
    assert.equal(fresh.spec.hostname, 'web-1');
    assert.deepEqual((await livePods(env.api, ns, 'app=web')).map((p) => p.metadata.name).sort(), ['web-0', 'web-1', 'web-2']);
  });

  it('scales down in reverse ordinal order, one at a time', async () => {
    await env.api.json('PATCH', stsPath('web'), { spec: { replicas: 5 } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=web')).filter(isRunningReady).length === 5 ? true : undefined), '5 pods', 60_000);
    await env.api.json('PATCH', stsPath('web'), { spec: { replicas: 1 } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=web')).map((p) => p.metadata.name).join() === 'web-0' ? true : undefined), 'only web-0 left', 60_000);
    const deletes = (await eventsUntil(env.api, ns, 'web', (evs) => evs.some((e) => e.message === 'delete Pod web-1 in StatefulSet web successful'), 'the SuccessfulDelete event of web-1'))
      .filter((e) => e.reason === 'SuccessfulDelete')
      .sort((a, b) => Date.parse(a.firstTimestamp as string) - Date.parse(b.firstTimestamp as string) || a.metadata.resourceVersion!.localeCompare(b.metadata.resourceVersion!, undefined, { numeric: true }))
      .map((e) => e.message);
    assert.deepEqual(deletes.slice(-4), [4, 3, 2, 1].map((i) => `delete Pod web-${i} in StatefulSet web successful`));
    await until(async () => {
      const s = await getSts(env, 'web');
      return s.status?.replicas === 1 && s.status?.readyReplicas === 1 ? true : undefined;
    }, 'status replicas 1');
  });

  it('with Parallel creates and deletes pods without waiting', async () => {
    await env.api.json('POST', stsPath(), statefulSet('par', 4, { podManagementPolicy: 'Parallel', template: { ...podTemplate({ app: 'par' }), spec: { containers: [{ name: 'c', image: 'busybox' }], nodeSelector: { nowhere: 'true' } } } }));
    // no pod can be scheduled, so OrderedReady would stop at par-0: Parallel makes all four
    const pods = await until(async () => {
      const ps = await livePods(env.api, ns, 'app=par');
      return ps.length === 4 ? ps : undefined;
    }, '4 pending pods');
    assert.ok(pods.every((p) => !p.spec.nodeName));
    await env.api.json('PATCH', stsPath('par'), { spec: { replicas: 1 } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=par')).map((p) => p.metadata.name).join() === 'par-0' ? true : undefined), 'only par-0 left');
  });

  it('rolls out a new template from the highest ordinal down, honouring the partition', async () => {
    await env.api.json('POST', stsPath(), statefulSet('roll', 3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    const first = await until(async () => {
      const s = await getSts(env, 'roll');
      return s.status?.readyReplicas === 3 && s.status.currentReplicas === 3 ? s : undefined;
    }, 'roll ready', 60_000);
    const rev1 = first.status.currentRevision;
    await env.api.json('PATCH', stsPath('roll'), { spec: { template: { metadata: { labels: { app: 'roll', v: '2' } } } } }, MERGE);
    const mid = await until(async () => {
      const s = await getSts(env, 'roll');
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 && s.status.observedGeneration === 2 ? s : undefined;
    }, 'ordinals 1 and 2 updated', 60_000);
    const rev2 = mid.status.updateRevision;
    assert.notEqual(rev2, rev1);
    assert.equal(mid.status.currentRevision, rev1, 'a partitioned roll-out leaves the current revision');
    const pods = await livePods(env.api, ns, 'app=roll');
    const revOf = (n: string) => pods.find((p) => p.metadata.name === n)!.metadata.labels!['controller-revision-hash'];
    assert.deepEqual([revOf('roll-0'), revOf('roll-1'), revOf('roll-2')], [rev1, rev2, rev2]);
    const deletes = (await eventsUntil(env.api, ns, 'roll', (evs) => evs.filter((e) => e.reason === 'SuccessfulDelete').length >= 2, '2 SuccessfulDelete events')).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
    assert.deepEqual(deletes, ['delete Pod roll-2 in StatefulSet roll successful', 'delete Pod roll-1 in StatefulSet roll successful']);
    // partition 0 finishes the roll-out: the update revision becomes current
    await env.api.json('PATCH', stsPath('roll'), { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } }, MERGE);
    const end = await until(async () => {
      const s = await getSts(env, 'roll');
      return s.status?.currentRevision === rev2 && s.status.updatedReplicas === 3 && s.status.currentReplicas === 3 && s.status.readyReplicas === 3 ? s : undefined;
    }, 'roll-out complete', 60_000);
    assert.equal(end.status.updateRevision, rev2);
    const revs = (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions?labelSelector=app%3Droll`)).items;
    assert.deepEqual(revs.map((r) => [r.metadata.name, r.revision]).sort(), [[rev1, 1], [rev2, 2]].sort());
  });

  it('makes one claim per template and pod, and keeps them after scale down', async () => {
    await env.api.json('POST', stsPath(), statefulSet('db', 2, { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }));
    const pods = await until(async () => {
      const ps = await livePods(env.api, ns, 'app=db');
      return ps.length === 2 && ps.every(isRunningReady) ? ps : undefined;
    }, 'db pods running', 60_000);
    const p0 = pods.find((p) => p.metadata.name === 'db-0')!;
    assert.deepEqual(p0.spec.volumes.find((v: { name: string }) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } });
    const claims = async () => (await env.api.json<KubeList>('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.map((c) => c.metadata.name).sort();
    assert.deepEqual(await claims(), ['data-db-0', 'data-db-1']);
    const claim = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims/data-db-1`);
    assert.deepEqual(claim.metadata.labels, { app: 'db' });
    assert.equal(claim.spec.storageClassName, 'local-path', 'the default class');
    await eventsUntil(env.api, ns, 'db', (evs) => evs.some((e) => e.message === 'create Claim data-db-0 Pod db-0 in StatefulSet db success'), 'the claim creation event');
    await env.api.json('PATCH', stsPath('db'), { spec: { replicas: 1 } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=db')).length === 1 ? true : undefined), 'db scaled to 1');
    assert.deepEqual(await claims(), ['data-db-0', 'data-db-1'], 'claims are retained');
    // scaling up again reuses the claim
    await env.api.json('PATCH', stsPath('db'), { spec: { replicas: 2 } }, MERGE);
    const again = await until(async () => (await livePods(env.api, ns, 'app=db')).find((p) => p.metadata.name === 'db-1'), 'db-1 back');
    assert.equal(again.spec.volumes[0].persistentVolumeClaim.claimName, 'data-db-1');
  });

  it('deletes claims with their pods or their set when the retention policy says Delete', async () => {
    const claims = async (prefix: string) => (await env.api.json<KubeList>('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims`)).items.filter((c) => c.metadata.name!.startsWith(prefix)).map((c) => c.metadata.name).sort();
    const set = await env.api.json<KubeObject>(
      'POST',
      stsPath(),
      statefulSet('eph', 2, {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
        volumeClaimTemplates: [{ metadata: { name: 'scratch' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      }),
    );
    await until(async () => ((await livePods(env.api, ns, 'app=eph')).filter(isRunningReady).length === 2 ? true : undefined), 'eph pods', 60_000);
    const c0 = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/persistentvolumeclaims/scratch-eph-0`);
    assert.deepEqual(c0.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'eph', uid: set.metadata.uid }]);
    await env.api.json('PATCH', stsPath('eph'), { spec: { replicas: 1 } }, MERGE);
    await until(async () => ((await claims('scratch-eph-')).join() === 'scratch-eph-0' ? true : undefined), 'the scaled-away claim deleted', 60_000);
    await env.api.json('DELETE', stsPath('eph'));
    await until(async () => ((await claims('scratch-eph-')).length === 0 ? true : undefined), 'claims deleted with the set', 60_000);
  });

  it('works with kubectl rollout status|history|undo and kubectl scale', async () => {
    assert.ok(kubectlPath(), KUBECTL_MISSING);
    const k = async (...args: string[]) => {
      const r = await env.c.kubectl(['-n', ns, ...args], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await env.api.json('POST', stsPath(), statefulSet('kc', 2));
    assert.match(await k('rollout', 'status', 'sts/kc', '--timeout=80s'), /partitioned roll out complete: 2 new pods have been updated\.\.\./);
    assert.match(await k('set', 'image', 'sts/kc', 'c=busybox:2'), /statefulset.apps\/kc image updated/);
    assert.match(await k('rollout', 'status', 'sts/kc', '--timeout=80s'), /partitioned roll out complete: 2 new pods have been updated/);
    assert.match(await k('rollout', 'history', 'sts/kc'), /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    assert.match(await k('rollout', 'history', 'sts/kc', '--revision=1'), /Image:\s+busybox\n/);
    assert.match(await k('rollout', 'undo', 'sts/kc'), /statefulset.apps\/kc rolled back/);
    const back = await until(async () => {
      const s = await getSts(env, 'kc');
      return s.status?.updateRevision === s.status?.currentRevision && s.status?.updatedReplicas === 2 && s.status?.readyReplicas === 2 && s.metadata.generation === s.status?.observedGeneration ? s : undefined;
    }, 'rolled back', 60_000);
    assert.equal(back.spec.template.spec.containers[0].image, 'busybox');
    // the old revision came back as the newest one
    assert.match(await k('rollout', 'history', 'sts/kc'), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>/);
    assert.match(await k('scale', 'sts/kc', '--replicas=3'), /statefulset.apps\/kc scaled/);
    await until(async () => ((await livePods(env.api, ns, 'app=kc')).filter(isRunningReady).length === 3 ? true : undefined), 'kc scaled to 3', 60_000);
    await until(async () => (/^kc\s+3\/3\s/m.test(await k('get', 'sts', 'kc')) ? true : undefined), 'kubectl get sts shows 3/3');
  });
});
