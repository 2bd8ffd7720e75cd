// Node lifecycle and taint eviction on simulated nodes, with a short grace period: a sim node
// that stops renewing its Lease becomes Unknown and tainted, its pods NotReady; Deployment pods
// are evicted after their tolerationSeconds and replaced on the healthy nodes, a pod that
// tolerates the taint for good stays; when the node speaks again the taints go. Also the
// DefaultTolerationSeconds admission.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { silentLogger } from '../../src/util/logger.js';
import type { KubeObject } from '../../src/api/types.js';
import { MERGE, ensureNamespace, events, eventsUntil, isRunningReady, listPods, livePods, until } from './controllers-support.js';

const GRACE_MS = 5000;
const TOLERATION_S = 3;
const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

type Cond = { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string };
type Taint = { key: string; effect: string; timeAdded?: string };
const cond = (o: KubeObject, type: string): Cond | undefined => (o.status?.conditions ?? []).find((c: Cond) => c.type === type);
const taints = (n: KubeObject): Taint[] => n.spec?.taints ?? [];
const hasTaint = (n: KubeObject, key: string, effect: string) => taints(n).some((t) => t.key === key && t.effect === effect);

function tolerationsFor(seconds: number | undefined): Record<string, unknown>[] {
  return [UNREACHABLE, NOT_READY].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) }));
}

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { role: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } };
}

describe('node lifecycle and taint eviction on simulated nodes', () => {
  let dir: string;
  let s: RunningServer;
  let api: RestClient;
  const ac = new AbortController();
  let healthy: RunningSim;
  let flaky: RunningSim | undefined;
  const ns = 'nlc';
  const rest = () => ({ server: s.url, token: s.adminToken, caPem: s.caPem });
  const getNode = (n: string) => api.json<KubeObject>('GET', `/api/v1/nodes/${n}`);
  const getPod = (n: string) => api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/${n}`);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelite-nlc-'));
    s = await startServer({
      dataDir: dir,
      httpsPort: 0,
      bindAddress: '127.0.0.1',
      disableAgent: true,
      log: silentLogger(),
      controllerSettings: { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: 500 },
    });
    api = new RestClient(rest());
    healthy = await startSim({ rest: rest(), nodes: 3, namePrefix: 'node-', leaseIntervalMs: 500 }, ac.signal);
    flaky = await startSim({ rest: rest(), nodes: 1, namePrefix: 'flaky-', leaseIntervalMs: 500 }, ac.signal);
    await ensureNamespace(api, ns);
  });
  after(async () => {
    ac.abort();
    await flaky?.stop();
    await healthy?.stop();
    api?.close();
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives new pods the default not-ready and unreachable tolerations unless they have them', async () => {
    const plain = await api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, pod('plain', { nodeName: 'node-0' }));
    assert.deepEqual(plain.spec.tolerations, [
      { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = await api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, pod('own', { nodeName: 'node-0', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 }] }));
    assert.deepEqual(own.spec.tolerations, [
      { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 7 },
      { key: NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const all = await api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, pod('all', { nodeName: 'node-0', tolerations: [{ operator: 'Exists' }] }));
    assert.deepEqual(all.spec.tolerations, [{ operator: 'Exists' }]);
    const noSchedOnly = await api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, pod('nosched', { nodeName: 'node-0', tolerations: [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoSchedule' }] }));
    assert.equal(noSchedOnly.spec.tolerations.length, 3, 'a NoSchedule toleration does not cover the NoExecute taint');
    for (const n of ['plain', 'own', 'all', 'nosched']) await api.json('DELETE', `/api/v1/namespaces/${ns}/pods/${n}`);
  });

  it('marks a silent node Unknown and tainted, evicts after tolerationSeconds, keeps tolerating pods, lifts the taints when it is back', async () => {
    // cordon the healthy nodes so that both replicas land on the flaky one (the controller
    // mirrors a cordon as a taint); uncordoned later, they take the replacements
    const cordon = (on: boolean) => Promise.all(['node-0', 'node-1', 'node-2'].map((n) => api.json('PATCH', `/api/v1/nodes/${n}`, { spec: { unschedulable: on ? true : null } }, MERGE)));
    await cordon(true);
    await until(async () => hasTaint(await getNode('node-0'), 'node.kubernetes.io/unschedulable', 'NoSchedule'), 'cordoned node-0 tainted unschedulable:NoSchedule');
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '10m' } } }], tolerations: tolerationsFor(TOLERATION_S) },
    };
    await api.json('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template } });
    await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('stayer', { nodeName: 'flaky-0', tolerations: tolerationsFor(undefined) }));
    await api.json('POST', `/api/v1/namespaces/${ns}/pods`, pod('patient', { nodeName: 'flaky-0', tolerations: tolerationsFor(600) }));
    const onFlaky = await until(async () => {
      const pods = await livePods(api, ns, 'app=web');
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === 'flaky-0' && isRunningReady(p)) ? pods : undefined;
    }, 'both web pods Running on flaky-0', 60_000);
    await until(async () => isRunningReady(await getPod('stayer')) && isRunningReady(await getPod('patient')), 'stayer and patient Running', 30_000);
    await cordon(false);
    await until(async () => {
      const nodes = await Promise.all(['node-0', 'node-1', 'node-2'].map(getNode));
      return nodes.every((n) => taints(n).length === 0);
    }, 'uncordoned nodes lose the unschedulable taint');
    const before = await getNode('flaky-0');
    assert.equal(cond(before, 'Ready')?.status, 'True');
    assert.ok(!hasTaint(before, UNREACHABLE, 'NoExecute'));

    flaky!.stopNode('flaky-0');

    // the node goes Unknown with the upstream reason and message, and gets both taints
    const down = await until(async () => {
      const n = await getNode('flaky-0');
      return cond(n, 'Ready')?.status === 'Unknown' && hasTaint(n, UNREACHABLE, 'NoExecute') && hasTaint(n, UNREACHABLE, 'NoSchedule') ? n : undefined;
    }, 'flaky-0 Unknown and tainted unreachable', GRACE_MS + 60_000);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = cond(down, type)!;
      assert.equal(c.status, 'Unknown', type);
      assert.equal(c.reason, 'NodeStatusUnknown', type);
      assert.equal(c.message, 'Kubelet stopped posting node status.', type);
    }
    assert.ok(!hasTaint(down, NOT_READY, 'NoExecute'), 'unreachable and not-ready are exclusive');
    const noExecute = taints(down).find((t) => t.key === UNREACHABLE && t.effect === 'NoExecute')!;
    assert.ok(noExecute.timeAdded, 'a NoExecute taint records when it was added');
    const stillHealthy = await getNode('node-0');
    assert.equal(cond(stillHealthy, 'Ready')?.status, 'True', 'nodes that renew their leases stay Ready');
    assert.equal(taints(stillHealthy).length, 0);

    // pods on the node are marked not Ready
    await until(async () => cond(await getPod('stayer'), 'Ready')?.status === 'False', 'stayer marked not Ready');
    await eventsUntil(api, 'default', 'flaky-0', (evs) => evs.some((e) => e.reason === 'NodeNotReady' && e.message === 'Node flaky-0 status is now: NodeNotReady'), 'NodeNotReady event on the node');

    // the web pods are evicted after their 3 s toleration: DisruptionTarget, an event, a
    // deletion that never completes (nobody runs the node), and replacements elsewhere
    for (const p of onFlaky) {
      const name = p.metadata.name!;
      const evicted = await until(async () => {
        const cur = await getPod(name);
        return cur.metadata.deletionTimestamp ? cur : undefined;
      }, `${name} evicted`, 60_000);
      const dt = cond(evicted, 'DisruptionTarget');
      assert.equal(dt?.status, 'True');
      assert.equal(dt?.reason, 'DeletionByTaintManager');
      assert.equal(dt?.message, 'Taint manager: deleting due to NoExecute taint');
      const ev = await until(async () => (await events(api, ns, name)).find((e) => e.reason === 'TaintManagerEviction'), `eviction event of ${name}`);
      assert.equal(ev.message, `Marking for deletion Pod ${ns}/${name}`);
      const waited = Date.parse(String(ev.firstTimestamp)) - Date.parse(noExecute.timeAdded!);
      assert.ok(waited >= (TOLERATION_S - 1) * 1000, `evicted ${waited} ms after the taint, tolerationSeconds is ${TOLERATION_S}`);
    }
    const replacements = await until(async () => {
      const pods = await livePods(api, ns, 'app=web');
      return pods.length === 2 && pods.every((p) => p.spec.nodeName?.startsWith('node-') && isRunningReady(p)) ? pods : undefined;
    }, 'two replacement web pods Running on the healthy nodes', 60_000);
    assert.equal(replacements.length, 2);
    const stuck = (await listPods(api, ns, 'app=web')).filter((p) => p.spec.nodeName === 'flaky-0');
    assert.equal(stuck.length, 2, 'evicted pods stay terminating while their node is unreachable');

    // a pod that tolerates the taint for good stays, one with a long toleration is still waiting
    assert.equal((await getPod('stayer')).metadata.deletionTimestamp, undefined);
    assert.deepEqual((await events(api, ns, 'stayer')).filter((e) => e.reason === 'TaintManagerEviction'), [], 'nothing was scheduled for it, so nothing is cancelled');
    assert.equal((await getPod('patient')).metadata.deletionTimestamp, undefined);

    // the node comes back (a restarted kubelet re-registers): Ready again, taints gone, the
    // pending eviction cancelled, the terminating pods finish
    await flaky!.stop();
    flaky = await startSim({ rest: rest(), nodes: 1, namePrefix: 'flaky-', leaseIntervalMs: 500 }, ac.signal);
    await until(async () => {
      const n = await getNode('flaky-0');
      return cond(n, 'Ready')?.status === 'True' && taints(n).length === 0 ? n : undefined;
    }, 'flaky-0 Ready without taints', 60_000);
    const cancelled = await until(async () => (await events(api, ns, 'patient')).find((e) => e.reason === 'TaintManagerEviction'), 'cancel event of patient');
    assert.equal(cancelled.message, `Cancelling deletion of Pod ${ns}/patient`);
    await until(async () => (await listPods(api, ns, 'app=web')).every((p) => p.spec.nodeName !== 'flaky-0'), 'evicted pods gone once the node is back', 60_000);
    await new Promise((r) => setTimeout(r, TOLERATION_S * 1000 + 1000));
    assert.equal((await getPod('patient')).metadata.deletionTimestamp, undefined, 'a cancelled eviction does not fire later');
  });

  it('taints a node that reports Ready=False not-ready, and swaps to unreachable when it falls silent', async () => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await api.json('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'sick', labels: { 'kubernetes.io/hostname': 'sick' } } });
    const conditions = [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down', lastHeartbeatTime: now, lastTransitionTime: now }];
    await api.json('PATCH', '/api/v1/nodes/sick/status', { status: { conditions } }, 'application/strategic-merge-patch+json');
    const sick = await until(async () => {
      const n = await getNode('sick');
      return hasTaint(n, NOT_READY, 'NoSchedule') && hasTaint(n, NOT_READY, 'NoExecute') ? n : undefined;
    }, 'sick tainted not-ready', 60_000);
    assert.ok(!hasTaint(sick, UNREACHABLE, 'NoExecute'));
    // nothing renews its lease or heartbeat: past the grace period it is Unknown, and the
    // NoExecute taint changes kind at once (no second wait for the zone's turn)
    const silent = await until(async () => {
      const n = await getNode('sick');
      return cond(n, 'Ready')?.status === 'Unknown' && hasTaint(n, UNREACHABLE, 'NoExecute') ? n : undefined;
    }, 'sick Unknown and tainted unreachable', GRACE_MS + 60_000);
    assert.ok(!hasTaint(silent, NOT_READY, 'NoExecute') && !hasTaint(silent, NOT_READY, 'NoSchedule'), 'not-ready taints replaced');
    assert.ok(hasTaint(silent, UNREACHABLE, 'NoSchedule'));
    assert.equal(cond(silent, 'MemoryPressure')?.reason, 'NodeStatusNeverUpdated', 'conditions the kubelet never posted');
    await api.json('DELETE', '/api/v1/nodes/sick');
  });
});

describe('node lifecycle when every node is down', () => {
  it('marks the only node Unknown and unschedulable, but taints nothing NoExecute and evicts nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelite-nlc1-'));
    const s = await startServer({ dataDir: dir, httpsPort: 0, bindAddress: '127.0.0.1', disableAgent: true, log: silentLogger(), controllerSettings: { nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: 500 } });
    const rest = { server: s.url, token: s.adminToken, caPem: s.caPem };
    const api = new RestClient(rest);
    const ac = new AbortController();
    const sim = await startSim({ rest, nodes: 1, namePrefix: 'solo-', leaseIntervalMs: 500 }, ac.signal);
    try {
      await api.json('POST', '/api/v1/namespaces/default/pods', pod('lone', { nodeName: 'solo-0', tolerations: tolerationsFor(1) }));
      await until(async () => isRunningReady(await api.json<KubeObject>('GET', '/api/v1/namespaces/default/pods/lone')), 'lone Running', 30_000);
      sim.stopNode('solo-0');
      await until(async () => {
        const n = await api.json<KubeObject>('GET', '/api/v1/nodes/solo-0');
        return cond(n, 'Ready')?.status === 'Unknown' && hasTaint(n, UNREACHABLE, 'NoSchedule') ? n : undefined;
      }, 'solo-0 Unknown and unschedulable', GRACE_MS + 60_000);
      // the controller cannot tell a dead cluster from its own broken view: it evicts nothing
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        const n = await api.json<KubeObject>('GET', '/api/v1/nodes/solo-0');
        assert.ok(!hasTaint(n, UNREACHABLE, 'NoExecute'), 'no NoExecute taint while every zone is down');
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal((await api.json<KubeObject>('GET', '/api/v1/namespaces/default/pods/lone')).metadata.deletionTimestamp, undefined);
    } finally {
      ac.abort();
      await sim.stop();
      api.close();
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
