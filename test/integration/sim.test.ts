// Simulated nodes against a real in-process server: registration, leases, pods running and
// deleted, a node failing, and the registration time of a 1,000-node fleet.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, kubectlPath, KUBECTL_MISSING, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { startSim, podCIDRFor, type RunningSim } from '../../src/sim/index.js';
import type { KubeObject, KubeList } from '../../src/api/types.js';

async function until<T>(f: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function inCIDR(ip: string, cidr: string): boolean {
  const [net] = cidr.split('/');
  return ip.split('.').slice(0, 3).join('.') === net!.split('.').slice(0, 3).join('.');
}

const leaseTime = async (rest: RestClient, name: string) =>
  (await rest.json<KubeObject>('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`)).spec.renewTime as string;

describe('kubelite sim', () => {
  let c: TestCluster;
  let rest: RestClient;
  let sim: RunningSim;
  const ac = new AbortController();
  before(async () => {
    c = await startTestCluster();
    rest = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    sim = await startSim({ rest: loadKubeconfig(c.kubeconfigPath), nodes: 3, leaseIntervalMs: 300 }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    rest?.close();
    await c?.close();
  });

  it('registers Ready nodes with capacity, labels, addresses, pod CIDRs and leases', async (t) => {
    assert.deepEqual(sim.nodeNames, ['sim-node-0', 'sim-node-1', 'sim-node-2']);
    const nodes = await rest.json<KubeList>('GET', '/api/v1/nodes?labelSelector=kubelite.io/simulated=true');
    assert.equal(nodes.items.length, 3);
    for (const [i, n] of nodes.items.entries()) {
      const ready = (n.status.conditions as { type: string; status: string; reason: string }[]).find((x) => x.type === 'Ready');
      assert.equal(ready?.status, 'True');
      assert.equal(ready?.reason, 'KubeletReady');
      assert.equal(n.status.capacity.cpu, '32');
      assert.equal(n.status.allocatable.memory, '256Gi');
      assert.equal(n.status.capacity.pods, '110');
      assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], n.metadata.name);
      assert.equal(n.status.nodeInfo.kubeletVersion, 'v1.32.4');
      assert.equal(n.status.nodeInfo.containerRuntimeVersion, 'kubelite-sim://0.1');
      assert.ok((n.status.addresses as { type: string }[]).some((a) => a.type === 'InternalIP'));
      assert.equal(n.spec.podCIDR, podCIDRFor(i));
      const lease = await rest.json<KubeObject>('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n.metadata.name}`);
      assert.equal(lease.spec.holderIdentity, n.metadata.name);
      assert.equal(lease.spec.leaseDurationSeconds, 40);
    }
    if (!kubectlPath()) return t.skip(KUBECTL_MISSING);
    const out = await c.kubectl(['get', 'nodes', '--no-headers']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.filter((l) => /^sim-node-\d\s+Ready\s/.test(l)).length, 3, out.stdout);
  });

  it('renews leases', async () => {
    const first = await leaseTime(rest, 'sim-node-1');
    await until(async () => (await leaseTime(rest, 'sim-node-1')) !== first, 'a lease renewal');
    assert.ok(sim.stats().leaseRenewals > 0);
  });

  it('runs a bound pod with an IP from its node and completes its deletion', async (t) => {
    await rest.json('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'busybox' }] },
    });
    await rest.json('POST', '/api/v1/namespaces/default/pods/web/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web' }, target: { kind: 'Node', name: 'sim-node-2' } });
    const pod = await until(async () => {
      const p = await rest.json<KubeObject>('GET', '/api/v1/namespaces/default/pods/web');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'the pod to run');
    assert.ok(inCIDR(pod.status.podIP, podCIDRFor(2)), `pod IP ${pod.status.podIP} in ${podCIDRFor(2)}`);
    assert.deepEqual(pod.status.podIPs, [{ ip: pod.status.podIP }]);
    assert.ok(pod.status.hostIP);
    assert.ok(pod.status.startTime);
    const conds = Object.fromEntries((pod.status.conditions as { type: string; status: string }[]).map((x) => [x.type, x.status]));
    for (const type of ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled']) assert.equal(conds[type], 'True', type);
    const cs = pod.status.containerStatuses as { name: string; ready: boolean; started: boolean; state: { running?: unknown } }[];
    assert.deepEqual(cs.map((s) => s.name).sort(), ['app', 'side']);
    assert.ok(cs.every((s) => s.ready && s.started && s.state.running));
    assert.equal(pod.status.initContainerStatuses[0].state.terminated.reason, 'Completed');
    assert.equal(pod.status.initContainerStatuses[0].state.terminated.exitCode, 0);

    if (kubectlPath()) {
      const out = await c.kubectl(['get', 'pods', '-o', 'wide', '--no-headers']);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, new RegExp(`^web\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+${pod.status.podIP.replace(/\./g, '\\.')}\\s+sim-node-2\\s`, 'm'), out.stdout);
      const del = await c.kubectl(['delete', 'pod', 'web'], { timeoutMs: 20_000 });
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, /pod "web" deleted/);
    } else {
      t.diagnostic(KUBECTL_MISSING);
      await rest.json('DELETE', '/api/v1/namespaces/default/pods/web');
    }
    await until(async () => {
      try {
        await rest.json('GET', '/api/v1/namespaces/default/pods/web');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    }, 'the pod to be gone');
    assert.ok(sim.stats().podsDeleted >= 1);
  });

  it('stopNode stops the lease renewals of that node only', async () => {
    sim.stopNode('sim-node-0');
    await new Promise((r) => setTimeout(r, 400)); // a renewal already in flight may land
    const frozen = await leaseTime(rest, 'sim-node-0');
    const other = await leaseTime(rest, 'sim-node-1');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await leaseTime(rest, 'sim-node-0'), frozen, 'stopped node keeps its old lease');
    assert.notEqual(await leaseTime(rest, 'sim-node-1'), other, 'other nodes keep renewing');
    assert.equal(sim.stats().stoppedNodes, 1);
  });
});

describe('kubelite sim at scale', () => {
  it('registers 1,000 nodes', { timeout: 300_000 }, async (t) => {
    const c = await startTestCluster();
    const ac = new AbortController();
    try {
      const rssBefore = process.memoryUsage().rss;
      const t0 = Date.now();
      const sim = await startSim({ rest: loadKubeconfig(c.kubeconfigPath), nodes: 1000, namePrefix: 'big-' }, ac.signal);
      const ms = Date.now() - t0;
      const rssMiB = (process.memoryUsage().rss / 1048576).toFixed(0);
      t.diagnostic(`1,000 nodes registered and Ready in ${ms} ms (sim reports ${sim.stats().registrationMs} ms); process RSS ${rssMiB} MiB (server + sim, was ${(rssBefore / 1048576).toFixed(0)} MiB)`);
      console.log(`# sim: 1000 nodes registered in ${ms} ms, RSS ${rssMiB} MiB (server and sim in one process)`);
      const rest = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
      const list = await rest.json<KubeList>('GET', '/api/v1/nodes?labelSelector=kubelite.io/simulated=true&limit=0');
      rest.close();
      assert.equal(list.items.length, 1000);
      assert.equal(sim.stats().registered, 1000);
      await sim.stop();
    } finally {
      ac.abort();
      await c.close();
    }
  });
});
