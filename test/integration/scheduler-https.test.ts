// The scheduler as a remote client (as `kubelite scheduler` runs it): informers, bindings and
// events over HTTPS, bindings and events pipelined on its own connections.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { startScheduler } from '../../src/scheduler/index.js';
import { realClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import type { KubeObject, KubeList } from '../../src/api/types.js';

describe('scheduler over HTTPS', () => {
  let c: TestCluster;
  let api: RestClient;
  let schedClient: RestClient;
  let sim: RunningSim;
  const ac = new AbortController();

  before(async () => {
    c = await startTestCluster({ scheduler: false });
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    schedClient = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem, userAgent: 'kubelite-scheduler' });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 4, cpu: '2', memory: '4Gi', pods: '20', namePrefix: 'node-' }, ac.signal);
    await startScheduler({ client: schedClient, clock: realClock, log: silentLogger() }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    schedClient?.close();
    api?.close();
    await c?.close();
  });

  it('binds many pods at once, records Scheduled events, and marks a pod that fits nowhere', async () => {
    const n = 60;
    const pod = (name: string, cpu: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app: 'many' } },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '16Mi' } } }] },
    });
    await Promise.all(Array.from({ length: n }, (_, i) => api.json('POST', '/api/v1/namespaces/default/pods', pod(`p-${i}`, '10m'))));
    await api.json('POST', '/api/v1/namespaces/default/pods', pod('huge', '64'));
    const end = Date.now() + 20_000;
    let bound: KubeObject[] = [];
    while (Date.now() < end) {
      const l = await api.json<KubeList<KubeObject>>('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dmany');
      bound = l.items.filter((p) => p.spec?.nodeName && p.metadata.name !== 'huge');
      const huge = l.items.find((p) => p.metadata.name === 'huge');
      const cond = (huge?.status?.conditions ?? []).find((x: { type: string }) => x.type === 'PodScheduled');
      if (bound.length === n && cond?.status === 'False') {
        assert.match(cond.message as string, /0\/4 nodes are available: 4 Insufficient cpu/);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(bound.length, n);
    // spread over the nodes by LeastAllocated/BalancedAllocation
    assert.equal(new Set(bound.map((p) => p.spec!.nodeName)).size, 4);
    let scheduled = 0;
    while (Date.now() < end) {
      const evs = await api.json<KubeList<KubeObject & { reason?: string; involvedObject?: { name: string } }>>('GET', '/api/v1/namespaces/default/events');
      scheduled = evs.items.filter((e) => e.reason === 'Scheduled').length;
      if (scheduled === n && evs.items.some((e) => e.reason === 'FailedScheduling' && e.involvedObject?.name === 'huge')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(scheduled, n);
  });
});
