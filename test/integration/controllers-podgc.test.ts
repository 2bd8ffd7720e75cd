// Pod GC on simulated nodes, with a lowered threshold, period and quarantine: terminated pods
// over the threshold go, evicted first and then oldest first; pods bound to a node that was
// deleted are marked Failed (DisruptionTarget, DeletionByPodGC) and force-deleted; running
// pods and pods of existing nodes stay.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { RestClient } from '../../src/client/rest.js';
import { Informer } from '../../src/client/informer.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { silentLogger } from '../../src/util/logger.js';
import type { KubeObject } from '../../src/api/types.js';
import { ensureNamespace, isRunningReady, listPods, until } from './controllers-support.js';

const THRESHOLD = 3;
const QUARANTINE_MS = 1000;
const STRATEGIC = 'application/strategic-merge-patch+json';

function pod(name: string, nodeName: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } };
}

describe('pod garbage collector on simulated nodes', () => {
  let dir: string;
  let s: RunningServer;
  let api: RestClient;
  const ac = new AbortController();
  let sim: RunningSim;
  const rest = () => ({ server: s.url, token: s.adminToken, caPem: s.caPem });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-podgc-'));
    s = await startServer({
      dataDir: dir,
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      disableAgent: true,
      disableScheduler: true,
      log: silentLogger(),
      controllerSettings: { terminatedPodGCThreshold: THRESHOLD, podGCPeriodMs: 300, podGCQuarantineMs: QUARANTINE_MS },
    });
    api = new RestClient(rest());
    sim = await startSim({ rest: rest(), nodes: 1, namePrefix: 'node-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    api?.close();
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes terminated pods over the threshold, evicted ones first, then the oldest', async () => {
    const ns = 'terminated';
    await ensureNamespace(api, ns);
    await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('running', 'node-0'));
    const names = ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'];
    for (const n of names) await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod(n, 'node-0'));
    await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('evicted', 'node-0'));
    await until(async () => (await listPods(api, ns)).every(isRunningReady), 'all pods Running', 30_000);
    // finish them in creation order (creation times tie within a second; names break ties)
    for (const n of names) await api.json('PATCH', `/api/v1/namespaces/${ns}/pods/${n}/status`, { status: { phase: 'Succeeded' } }, STRATEGIC);
    await api.json('PATCH', `/api/v1/namespaces/${ns}/pods/evicted/status`, { status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } }, STRATEGIC);
    const left = await until(async () => {
      const pods = await listPods(api, ns);
      return pods.length === THRESHOLD + 1 ? pods.map((p) => p.metadata.name).sort() : undefined;
    }, `${THRESHOLD} terminated pods and the running one left`, 30_000);
    assert.deepEqual(left, ['running', 't-3', 't-4', 't-5']);
  });

  it('force-deletes the pods of a deleted node after the quarantine, marked Failed with DisruptionTarget', async () => {
    const ns = 'orphans';
    await ensureNamespace(api, ns);
    await api.json('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'doomed', labels: { 'kubernetes.io/hostname': 'doomed' } } });
    const ac2 = new AbortController();
    const inf = new Informer(api, { path: `/api/v1/namespaces/${ns}/pods` }, silentLogger());
    const lastSeen = new Map<string, KubeObject>();
    inf.addHandlers({ delete: (p) => lastSeen.set(p.metadata.name!, p) });
    void inf.run(ac2.signal);
    await inf.waitForSync();
    try {
      await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('orphan-a', 'doomed'));
      await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('orphan-b', 'doomed'));
      await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('kept', 'node-0'));
      // while the node exists its pods stay, however long that is
      await new Promise((r) => setTimeout(r, QUARANTINE_MS * 3));
      assert.equal((await listPods(api, ns)).length, 3);
      await api.json('DELETE', '/api/v1/nodes/doomed');
      await until(() => lastSeen.has('orphan-a') && lastSeen.has('orphan-b'), 'orphans deleted', 30_000);
      for (const n of ['orphan-a', 'orphan-b']) {
        const p = lastSeen.get(n)!;
        assert.equal(p.status?.phase, 'Failed', n);
        const dt = (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'DisruptionTarget');
        assert.equal(dt?.status, 'True', n);
        assert.equal(dt?.reason, 'DeletionByPodGC', n);
        assert.equal(dt?.message, 'PodGC: node no longer exists', n);
      }
      const left = (await listPods(api, ns)).map((p) => p.metadata.name);
      assert.deepEqual(left, ['kept'], 'pods of existing nodes stay');
    } finally {
      ac2.abort();
    }
  });

  it('force-deletes terminating pods of a NotReady node marked out-of-service', async () => {
    const ns = 'outofservice';
    await ensureNamespace(api, ns);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await api.json('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'shut' } });
    await api.json('PATCH', '/api/v1/nodes/shut/status', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'shut down', lastHeartbeatTime: now, lastTransitionTime: now }] } }, STRATEGIC);
    await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('stuck', 'shut'));
    await api.json('DELETE', `/api/v1/namespaces/${ns}/pods/stuck`);
    // no kubelet finishes it: it stays terminating until the node is declared out of service
    await new Promise((r) => setTimeout(r, QUARANTINE_MS * 2));
    assert.ok((await api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/stuck`)).metadata.deletionTimestamp);
    const node = await api.json<KubeObject>('GET', '/api/v1/nodes/shut');
    const taints = [...(node.spec?.taints ?? []), { key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }];
    await api.json('PATCH', '/api/v1/nodes/shut', { spec: { taints } }, 'application/merge-patch+json');
    await until(async () => (await listPods(api, ns)).length === 0, 'stuck pod force-deleted', 30_000);
    await api.json('DELETE', '/api/v1/nodes/shut');
  });
});
