// Cascading deletion through the garbage collector, in the three propagation modes, on a
// Deployment -> ReplicaSet -> Pod chain running on simulated nodes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { deployment, ensureNamespace, livePods, listPods, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

describe('garbage collector: cascading deletion', () => {
  let env: ControllerEnv;
  const ns = 'gc';
  const dPath = (n: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${n}`;
  const replicaSets = async (sel: string) =>
    (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/replicasets?labelSelector=${encodeURIComponent(sel)}`)).items;
  const exists = (path: string) =>
    env.api.json<KubeObject>('GET', path).then(
      (o) => o,
      (err: unknown) => {
        if (err instanceof ApiError && err.code === 404) return undefined;
        throw err;
      },
    );
  const running = async (name: string, replicas: number) => {
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(name, replicas, { app: name }));
    await until(async () => ((await livePods(env.api, ns, `app=${name}`)).length === replicas && (await replicaSets(`app=${name}`)).length === 1 ? true : undefined), `${name} pods`);
  };

  before(async () => {
    env = await startControllerEnv(2);
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('Background: the Deployment goes at once, then its ReplicaSet and pods', async () => {
    await running('bg', 2);
    await env.api.json('DELETE', dPath('bg'), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
    assert.equal(await exists(dPath('bg')), undefined);
    await until(async () => ((await replicaSets('app=bg')).length === 0 && (await listPods(env.api, ns, 'app=bg')).length === 0 ? true : undefined), 'dependents collected');
  });

  it('Foreground: the Deployment waits with foregroundDeletion until its dependents are gone', async () => {
    await running('fg', 2);
    const del = await env.api.json<KubeObject>('DELETE', dPath('fg'), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    assert.ok(del.metadata.deletionTimestamp);
    assert.deepEqual(del.metadata.finalizers, ['foregroundDeletion']);
    await until(async () => ((await exists(dPath('fg'))) === undefined ? true : undefined), 'deployment gone after its dependents');
    assert.equal((await replicaSets('app=fg')).length, 0);
    assert.equal((await listPods(env.api, ns, 'app=fg')).length, 0, 'pods were gone before the owner');
  });

  it('Orphan: dependents stay, without the owner reference', async () => {
    await running('orph', 2);
    const del = await env.api.json<KubeObject>('DELETE', dPath('orph'), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
    assert.deepEqual(del.metadata.finalizers, ['orphan']);
    await until(async () => ((await exists(dPath('orph'))) === undefined ? true : undefined), 'deployment gone');
    const [rs] = await replicaSets('app=orph');
    assert.ok(rs, 'the ReplicaSet is still there');
    assert.equal(rs.metadata.ownerReferences, undefined);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await livePods(env.api, ns, 'app=orph')).length, 2, 'its pods keep running');
    // and deleting the orphaned ReplicaSet with the default policy takes its pods along
    await env.api.json('DELETE', `/apis/apps/v1/namespaces/${ns}/replicasets/${rs.metadata.name}`);
    await until(async () => ((await listPods(env.api, ns, 'app=orph')).length === 0 ? true : undefined), 'pods collected');
  });

  it('removes a dangling owner reference next to a live owner, and deletes objects whose only owner is gone', async () => {
    const cm = await env.api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/configmaps`, { metadata: { name: 'owner' } });
    await env.api.json('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: {
        name: 'two-owners',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: cm.metadata.uid },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' },
        ],
      },
    });
    await env.api.json('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      metadata: { name: 'only-ghost', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001' }] },
    });
    await until(async () => {
      const o = await exists(`/api/v1/namespaces/${ns}/configmaps/two-owners`);
      return o?.metadata.ownerReferences?.length === 1 ? true : undefined;
    }, 'dangling reference removed');
    await until(async () => ((await exists(`/api/v1/namespaces/${ns}/configmaps/only-ghost`)) === undefined ? true : undefined), 'orphaned dependent deleted');
  });
});
