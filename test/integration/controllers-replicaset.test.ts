// The ReplicaSet and ReplicationController controllers on simulated nodes: scale up and
// down, replacement of a deleted pod under a new name, adoption and release, status, events,
// and the default ServiceAccount of a new namespace.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { MERGE, ensureNamespace, events, eventsUntil, isRunningReady, listPods, livePods, replicaSet, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

describe('ReplicaSet controller on simulated nodes', () => {
  let env: ControllerEnv;
  const ns = 'rs';
  const rsPath = (name: string) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`;

  before(async () => {
    env = await startControllerEnv();
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('creates pods from the template, owned by the ReplicaSet, and reports status', async () => {
    const rs = await env.api.json<KubeObject>('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, replicaSet('web', 3, { app: 'web' }));
    const pods = await until(async () => {
      const p = await livePods(env.api, ns, 'app=web');
      return p.length === 3 && p.every(isRunningReady) ? p : undefined;
    }, '3 running pods');
    for (const p of pods) {
      assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const st = await until(async () => {
      const cur = await env.api.json<KubeObject>('GET', rsPath('web'));
      return cur.status?.availableReplicas === 3 ? cur.status : undefined;
    }, 'status availableReplicas=3');
    assert.equal(st.replicas, 3);
    assert.equal(st.readyReplicas, 3);
    assert.equal(st.fullyLabeledReplicas, 3);
    assert.equal(st.observedGeneration, 1);
    const evs = await eventsUntil(env.api, ns, 'web', (e) => e.filter((x) => x.reason === 'SuccessfulCreate').length >= 3, '3 SuccessfulCreate events');
    assert.equal(evs.filter((e) => e.reason === 'SuccessfulCreate').length, 3);
    assert.match(evs.find((e) => e.reason === 'SuccessfulCreate')!.message as string, /^Created pod: web-/);
  });

  it('keeps managedFields through the writes of controllers and nodes whose caches drop them', async () => {
    // the controllers' and the sim's informers trim metadata.managedFields; their status
    // writes send none, which the server must read as "keep the stored entries"
    const rs = await env.api.json<KubeObject>('GET', rsPath('web'));
    const managers = (o: KubeObject) => (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}/${m.subresource ?? ''}`).sort();
    assert.ok(managers(rs).some((m) => m.endsWith('/Update/')), `the creator's entry: ${managers(rs).join(', ')}`);
    assert.ok(managers(rs).some((m) => m.startsWith('kubelite-controller-manager/Update/status')), `the controller's status entry: ${managers(rs).join(', ')}`);
    const pod = (await livePods(env.api, ns, 'app=web'))[0]!;
    assert.ok(managers(pod).some((m) => m.startsWith('kubelite-controller-manager/Update/')), `the creator's entry: ${managers(pod).join(', ')}`);
    assert.ok(managers(pod).some((m) => m.endsWith('/Update/status')), `the node's status entry: ${managers(pod).join(', ')}`);
  });

  it('replaces a deleted pod with a new one under a new name', async () => {
    const before = await livePods(env.api, ns, 'app=web');
    const victim = before[0]!.metadata.name!;
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/${victim}`);
    const after = await until(async () => {
      const p = await livePods(env.api, ns, 'app=web');
      return p.length === 3 && !p.some((x) => x.metadata.name === victim) && p.every(isRunningReady) ? p : undefined;
    }, 'a replacement pod');
    const fresh = after.filter((p) => !before.some((b) => b.metadata.name === p.metadata.name));
    assert.equal(fresh.length, 1);
  });

  it('scales up and down, deleting unscheduled pods before running ones', async () => {
    await env.api.json('PATCH', rsPath('web'), { spec: { replicas: 5 } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=web')).filter(isRunningReady).length === 5 ? true : undefined), '5 pods');
    // a pod that cannot be scheduled is the first to go on scale-down
    await env.api.json('PATCH', rsPath('web'), { spec: { replicas: 6, template: { spec: { nodeSelector: { nowhere: 'true' } } } } }, MERGE);
    const pending = await until(async () => (await livePods(env.api, ns, 'app=web')).find((p) => !p.spec?.nodeName), 'an unschedulable pod');
    await env.api.json('PATCH', rsPath('web'), { spec: { replicas: 2 } }, MERGE);
    const left = await until(async () => {
      const p = await livePods(env.api, ns, 'app=web');
      return p.length === 2 ? p : undefined;
    }, 'scale down to 2');
    assert.ok(!left.some((p) => p.metadata.name === pending.metadata.name), 'the pending pod was deleted first');
    assert.ok(left.every((p) => p.spec?.nodeName));
    // events trail the change they report (best effort, written after it): wait for them
    await until(async () => ((await events(env.api, ns, 'web')).some((e) => e.reason === 'SuccessfulDelete') ? true : undefined), 'a SuccessfulDelete event');
    const cur = await until(async () => {
      const r = await env.api.json<KubeObject>('GET', rsPath('web'));
      return r.status?.replicas === 2 && r.status?.observedGeneration === r.metadata.generation ? r : undefined;
    }, 'status replicas=2');
    assert.equal(cur.status.readyReplicas, 2);
  });

  it('scales up past BURST_REPLICAS in bursts and reports the final count in status', async () => {
    // 1,100 pods: three bursts of at most 500; the syncs that only wait for a burst's last
    // creations to be observed write no status, the one after them must
    const big = replicaSet('big', 1100, { app: 'big' });
    (big.spec!.template as { spec: Record<string, unknown> }).spec.nodeSelector = { nowhere: 'true' }; // stay Pending: no sim work
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, big);
    const st = await until(
      async () => {
        const cur = await env.api.json<KubeObject>('GET', rsPath('big'));
        return cur.status?.replicas === 1100 ? cur.status : undefined;
      },
      'status replicas=1100',
      60_000,
    );
    assert.equal(st.observedGeneration, 1);
    assert.equal((await livePods(env.api, ns, 'app=big')).length, 1100);
    await env.api.json('DELETE', rsPath('big'));
    await until(async () => ((await listPods(env.api, ns, 'app=big')).length === 0 ? true : undefined), 'the pods of the deleted ReplicaSet gone', 60_000);
  });

  it('adopts a matching orphan and releases a pod whose labels stop matching', async () => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, replicaSet('db', 2, { app: 'db' }));
    await until(async () => ((await livePods(env.api, ns, 'app=db')).length === 2 ? true : undefined), '2 db pods');
    // an orphan matching the selector is adopted, and the ReplicaSet then has one too many
    await env.api.json('POST', `/api/v1/namespaces/${ns}/pods`, { metadata: { name: 'stray', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await until(async () => {
      const p = await livePods(env.api, ns, 'app=db');
      return p.length === 2 && p.every((x) => x.metadata.ownerReferences?.[0]?.name === 'db') ? true : undefined;
    }, 'orphan adopted and the extra pod deleted');
    // relabel one: it is released (no owner) and replaced
    const one = (await livePods(env.api, ns, 'app=db'))[0]!;
    await env.api.json('PATCH', `/api/v1/namespaces/${ns}/pods/${one.metadata.name}`, { metadata: { labels: { app: 'debug' } } }, MERGE);
    await until(async () => {
      const released = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/${one.metadata.name}`);
      return released.metadata.ownerReferences === undefined ? true : undefined;
    }, 'the relabelled pod released');
    await until(async () => ((await livePods(env.api, ns, 'app=db')).length === 2 ? true : undefined), 'a replacement for the released pod');
  });

  it('runs ReplicationControllers with the same code', async () => {
    await env.api.json('POST', `/api/v1/namespaces/${ns}/replicationcontrollers`, {
      metadata: { name: 'legacy' },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const pods = await until(async () => {
      const p = await livePods(env.api, ns, 'app=legacy');
      return p.length === 2 && p.every(isRunningReady) ? p : undefined;
    }, '2 rc pods');
    assert.equal(pods[0]!.metadata.ownerReferences?.[0]?.kind, 'ReplicationController');
    await until(async () => ((await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/replicationcontrollers/legacy`)).status?.readyReplicas === 2 ? true : undefined), 'rc ready 2');
  });

  it('gives every new namespace a default ServiceAccount', async () => {
    await ensureNamespace(env.api, 'fresh');
    const sa = await until(() => env.api.json<KubeObject>('GET', '/api/v1/namespaces/fresh/serviceaccounts/default').catch(() => undefined), 'default SA');
    assert.equal(sa.metadata.name, 'default');
    await env.api.json('DELETE', '/api/v1/namespaces/fresh/serviceaccounts/default');
    await until(async () => {
      const again = await env.api.json<KubeObject>('GET', '/api/v1/namespaces/fresh/serviceaccounts/default').catch(() => undefined);
      return again && again.metadata.uid !== sa.metadata.uid ? true : undefined;
    }, 'default SA recreated');
  });
});
