// The Deployment controller on simulated nodes: ReplicaSet with pod-template-hash and
// revision, Available/Progressing conditions, a rolling update that stays within maxSurge and
// maxUnavailable at every pod event, rollback as kubectl does it, Recreate, resize, pause.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { silentLogger } from '../../src/util/logger.js';
import { MERGE, deployment, ensureNamespace, events, eventsUntil, isRunningReady, livePods, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

describe('Deployment controller on simulated nodes', () => {
  let env: ControllerEnv;
  const ns = 'deploy';
  const dPath = (n: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${n}`;
  const getD = (n: string) => env.api.json<KubeObject>('GET', dPath(n));
  const replicaSets = async (sel: string) =>
    (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${encodeURIComponent(sel)}`)).items;
  const cond = (d: KubeObject, type: string) => (d.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
  /** what kubectl rollout status waits for */
  const rolledOut = async (n: string) => {
    const d = await getD(n);
    const s = d.status ?? {};
    const want = d.spec.replicas;
    return d.metadata.generation! <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want
      ? d
      : undefined;
  };

  before(async () => {
    env = await startControllerEnv();
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('creates a ReplicaSet named by the template hash, pods run, the Deployment becomes Available', async () => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web', 3, { app: 'web' }));
    const d = await until(() => rolledOut('web'), 'web rolled out');
    const [rs, ...more] = await replicaSets('app=web');
    assert.equal(more.length, 0);
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.equal(rs!.metadata.name, `web-${hash}`);
    assert.equal(rs!.spec.selector.matchLabels['pod-template-hash'], hash);
    assert.equal(rs!.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs!.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs!.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(rs!.metadata.ownerReferences![0]!.uid, d.metadata.uid);
    assert.equal(d.metadata.annotations!['deployment.kubernetes.io/revision'], '1');
    assert.equal(cond(d, 'Available').status, 'True');
    assert.equal(cond(d, 'Available').reason, 'MinimumReplicasAvailable');
    assert.equal(cond(d, 'Progressing').reason, 'NewReplicaSetAvailable');
    assert.equal(cond(d, 'Progressing').message, `ReplicaSet "${rs!.metadata.name}" has successfully progressed.`);
    const pods = await livePods(env.api, ns, 'app=web');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata.labels!['pod-template-hash'] === hash && isRunningReady(p)));
    await eventsUntil(env.api, ns, 'web', (evs) => evs.some((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${rs!.metadata.name} from 0 to 3`), 'the ScalingReplicaSet event');
  });

  it('rolls out a new template within maxSurge and maxUnavailable at every pod event', async () => {
    const replicas = 4;
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('roll', replicas, { app: 'roll' }, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } }));
    await until(() => rolledOut('roll'), 'roll rolled out');
    const ac = new AbortController();
    const inf = new Informer(env.api, { path: `/api/v1/namespaces/${ns}/pods`, labelSelector: 'app=roll' }, silentLogger());
    let maxLive = 0;
    let minReady = Infinity;
    let synced = false;
    const check = () => {
      if (!synced) return;
      const live = inf.list().filter((p) => !p.metadata.deletionTimestamp);
      maxLive = Math.max(maxLive, live.length);
      minReady = Math.min(minReady, live.filter(isRunningReady).length);
    };
    inf.addHandlers({ add: check, update: check, delete: check });
    void inf.run(ac.signal);
    await inf.waitForSync();
    synced = true;
    check();
    try {
      await env.api.json('PATCH', dPath('roll'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v2' }] } } } }, 'application/strategic-merge-patch+json');
      const d = await until(async () => {
        const r = await rolledOut('roll');
        return r && r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' ? r : undefined;
      }, 'roll v2 rolled out');
      await until(async () => ((await livePods(env.api, ns, 'app=roll')).every((p) => p.spec.containers[0].image === 'busybox:v2') ? true : undefined), 'only v2 pods');
      assert.equal(d.status.updatedReplicas, replicas);
    } finally {
      ac.abort();
    }
    assert.ok(maxLive <= replicas + 1, `at most replicas+maxSurge pods at once (saw ${maxLive})`);
    assert.ok(minReady >= replicas - 1, `at least replicas-maxUnavailable ready pods at all times (saw ${minReady})`);
    const rss = await replicaSets('app=roll');
    assert.equal(rss.length, 2);
    const old = rss.find((r) => r.metadata.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    assert.equal(old.spec.replicas, 0);
  });

  it('rolls back the way kubectl rollout undo does: the old ReplicaSet gets a new revision', async () => {
    const rss = await replicaSets('app=roll');
    const v1 = rss.find((r) => r.metadata.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    const template = structuredClone(v1.spec.template);
    delete template.metadata.labels['pod-template-hash'];
    const d = await getD('roll');
    await env.api.json('PATCH', dPath('roll'), [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': d.metadata.annotations!['deployment.kubernetes.io/revision'] } },
    ], 'application/json-patch+json');
    await until(async () => {
      const r = await rolledOut('roll');
      return r && r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' ? r : undefined;
    }, 'rollback rolled out as revision 3');
    const after = await replicaSets('app=roll');
    assert.equal(after.length, 2, 'no new ReplicaSet: the old one is reused');
    const back = after.find((r) => r.metadata.uid === v1.metadata.uid)!;
    assert.equal(back.metadata.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(back.spec.replicas, 4);
    await until(async () => ((await livePods(env.api, ns, 'app=roll')).every((p) => p.spec.containers[0].image === 'busybox') ? true : undefined), 'v1 pods back');
  });

  it('Recreate stops every old pod before starting new ones', async () => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('re', 3, { app: 're' }, { strategy: { type: 'Recreate' } }));
    await until(() => rolledOut('re'), 're rolled out');
    const ac = new AbortController();
    const inf = new Informer(env.api, { path: `/api/v1/namespaces/${ns}/pods`, labelSelector: 'app=re' }, silentLogger());
    let mixed = false;
    const check = () => {
      // Recreate's guarantee (upstream too): no old pod still running when a new one starts; a
      // terminal old pod (phase Succeeded/Failed) may linger until its object is removed
      const running = inf.list().filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
      const images = new Set(running.map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
    };
    inf.addHandlers({ add: check, update: check, delete: check });
    void inf.run(ac.signal);
    await inf.waitForSync();
    try {
      await env.api.json('PATCH', dPath('re'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v2' }] } } } }, 'application/strategic-merge-patch+json');
      await until(async () => {
        const r = await rolledOut('re');
        return r && r.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' ? r : undefined;
      }, 're v2 rolled out');
    } finally {
      ac.abort();
    }
    assert.equal(mixed, false, 'old and new pods never existed at the same time');
  });

  it('scales, pauses and resumes; revisionHistoryLimit removes old ReplicaSets', async () => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('hist', 2, { app: 'hist' }, { revisionHistoryLimit: 1 }));
    await until(() => rolledOut('hist'), 'hist rolled out');
    for (const tag of ['v2', 'v3']) {
      await env.api.json('PATCH', dPath('hist'), { spec: { template: { spec: { containers: [{ name: 'c', image: `busybox:${tag}` }] } } } }, 'application/strategic-merge-patch+json');
      await until(async () => ((await livePods(env.api, ns, 'app=hist')).every((p) => p.spec.containers[0].image === `busybox:${tag}`) && (await rolledOut('hist')) ? true : undefined), `hist ${tag}`);
    }
    await until(async () => ((await replicaSets('app=hist')).length === 2 ? true : undefined), 'one old ReplicaSet kept');
    // resize through the scale subresource
    await env.api.json('PATCH', `${dPath('hist')}/scale`, { spec: { replicas: 5 } }, MERGE);
    await until(async () => ((await rolledOut('hist'))?.status.availableReplicas === 5 ? true : undefined), 'hist at 5');
    // paused: template changes wait
    await env.api.json('PATCH', dPath('hist'), { spec: { paused: true } }, MERGE);
    await until(async () => (cond(await getD('hist'), 'Progressing')?.reason === 'DeploymentPaused' ? true : undefined), 'paused condition');
    await env.api.json('PATCH', dPath('hist'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v4' }] } } } }, 'application/strategic-merge-patch+json');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await replicaSets('app=hist')).length, 2, 'no new ReplicaSet while paused');
    await env.api.json('PATCH', dPath('hist'), { spec: { paused: false } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=hist')).every((p) => p.spec.containers[0].image === 'busybox:v4') && (await rolledOut('hist')) ? true : undefined), 'hist v4 after resume');
  });

  it('reports ProgressDeadlineExceeded when the new pods cannot run', async () => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('stuck', 1, { app: 'stuck' }, { progressDeadlineSeconds: 1 }));
    await until(() => rolledOut('stuck'), 'stuck rolled out');
    await env.api.json('PATCH', dPath('stuck'), { spec: { template: { spec: { nodeSelector: { nowhere: 'x' } } } } }, 'application/strategic-merge-patch+json');
    const c = await until(async () => {
      const x = cond(await getD('stuck'), 'Progressing');
      return x?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    }, 'ProgressDeadlineExceeded', 10_000);
    assert.equal(c.status, 'False');
    assert.match(c.message, /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
  });
});
