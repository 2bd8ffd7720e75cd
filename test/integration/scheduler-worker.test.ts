// The scheduler on a worker thread (src/scheduler/worker.ts): it schedules over HTTPS and stops cleanly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { startSchedulerWorker, type SchedulerWorker } from '../../src/scheduler/worker.js';
import type { KubeObject } from '../../src/api/types.js';

describe('scheduler on a worker thread', () => {
  let c: TestCluster;
  let api: RestClient;
  let sim: RunningSim;
  let worker: SchedulerWorker | undefined;
  const ac = new AbortController();

  before(async () => {
    c = await startTestCluster({ scheduler: false });
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 2, namePrefix: 'node-' }, ac.signal);
  });
  after(async () => {
    await worker?.stop();
    ac.abort();
    await sim?.stop();
    api?.close();
    await c?.close();
  });

  it('binds pods, then stops', async () => {
    worker = await startSchedulerWorker({ server: c.url, token: c.adminToken, caPem: c.caPem });
    for (let i = 0; i < 5; i++) {
      await api.json('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `w-${i}` }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } satisfies KubeObject);
    }
    const end = Date.now() + 15_000;
    let bound = 0;
    while (Date.now() < end) {
      const l = await api.json<{ items: KubeObject[] }>('GET', '/api/v1/namespaces/default/pods');
      bound = l.items.filter((p) => p.spec?.nodeName).length;
      if (bound === 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(bound, 5);
    await worker.stop();
    worker = undefined;
    // stopped: a new pod stays pending
    await api.json('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await new Promise((r) => setTimeout(r, 500));
    const p = await api.json<KubeObject>('GET', '/api/v1/namespaces/default/pods/after');
    assert.equal(p.spec?.nodeName, undefined);
  });
});
