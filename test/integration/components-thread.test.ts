// `kubelite server`'s default: the scheduler and the controller manager on a worker thread of
// their own (src/server/components.ts), reaching the API server's thread through a
// MessagePort (client/threadtransport.ts -> apiserver/threadhost.ts). A Deployment on
// simulated nodes needs both, and the stop releases the leader Lease through that channel.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { LEADER_LEASE } from '../../src/controllers/runtime/manager.js';
import type { KubeObject } from '../../src/api/types.js';

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scheduler and controllers on the components thread', () => {
  let c: TestCluster;
  let api: RestClient;
  let sim: RunningSim;
  const ac = new AbortController();

  before(async () => {
    c = await startTestCluster({ scheduler: true, controllers: true, componentsThread: true });
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, namePrefix: 'node-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    api?.close();
    await c?.close();
  });

  it('runs them off the API server thread: nothing of theirs is on it', () => {
    assert.equal(c.scheduler, undefined);
    assert.equal(c.controllers, undefined);
  });

  it('rolls out a Deployment: ReplicaSet, pods, bindings, status', async () => {
    await api.json('POST', '/apis/apps/v1/namespaces/default/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const d = await until(async () => {
      const cur = await api.json<KubeObject>('GET', '/apis/apps/v1/namespaces/default/deployments/web');
      return cur.status?.availableReplicas === 3 && cur.status?.updatedReplicas === 3 ? cur : undefined;
    }, 'the Deployment rolled out');
    assert.equal(d.status?.observedGeneration, d.metadata.generation);
    const pods = await api.json<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    assert.equal(pods.items.length, 3);
    for (const p of pods.items) assert.match(String(p.spec?.nodeName), /^node-/);
    // the scheduler's events and the controllers' events came through the channel too
    const events = await api.json<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/events');
    const reasons = new Set(events.items.map((e) => (e as { reason?: string }).reason));
    assert.ok(reasons.has('Scheduled') && reasons.has('SuccessfulCreate') && reasons.has('ScalingReplicaSet'), [...reasons].join(','));
  });

  it('is started again when it dies, and its controllers take the leader Lease back at once', async () => {
    const thread = c.componentsThread!;
    const dead = thread.worker;
    const exited = new Promise((r) => dead.once('exit', r));
    await dead.terminate(); // as an uncaught error in a component would end it
    await exited;
    await until(async () => (thread.worker !== dead ? true : undefined), 'a new components thread', 10_000);
    // the new thread's controllers and scheduler scale the Deployment; with a new identity they
    // would first wait out the dead one's 15 s Lease
    await api.json('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { replicas: 5 } }, 'application/merge-patch+json');
    await until(async () => {
      const cur = await api.json<KubeObject>('GET', '/apis/apps/v1/namespaces/default/deployments/web');
      return cur.status?.availableReplicas === 5 ? cur : undefined;
    }, 'the Deployment scaled to 5 by the new thread', 12_000);
    const pods = await api.json<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
    assert.equal(pods.items.filter((p) => p.spec?.nodeName).length, 5, 'all five scheduled');
  });

  it('holds the leader Lease, and stops cleanly, releasing it', async () => {
    const path = `/apis/coordination.k8s.io/v1/namespaces/${LEADER_LEASE.namespace}/leases/${LEADER_LEASE.name}`;
    const held = await api.json<KubeObject>('GET', path);
    assert.ok((held.spec as { holderIdentity?: string }).holderIdentity);
    // stop the server (the components thread first, while the API answers), then read the store
    ac.abort();
    await sim.stop();
    await c.stop();
    const { openSqliteStore } = await import('../../src/storage/sqlite/store.js');
    const { join } = await import('node:path');
    const store = openSqliteStore(join(c.dir, 'server', 'db', 'state.db'));
    try {
      const kv = await store.get(`/registry/coordination.k8s.io/leases/${LEADER_LEASE.namespace}/${LEADER_LEASE.name}`);
      assert.ok(kv, 'the Lease is stored');
      const lease = JSON.parse(Buffer.from(kv.value).toString('utf8')) as { spec: { holderIdentity?: string } };
      assert.ok(!lease.spec.holderIdentity, `released on stop, holder: ${lease.spec.holderIdentity}`);
    } finally {
      await store.close();
    }
  });
});
