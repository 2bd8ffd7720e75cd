// Memory eviction with real containerd: the threshold is raised above what the machine has free,
// so the node is under memory pressure; the pod using more memory than it requested goes first,
// the Guaranteed pod within its request stays.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUSYBOX_IMAGE } from '../../src/cri/images/build.js';
import { parseThresholds } from '../../src/kubelet/eviction/thresholds.js';
import { podMemory } from '../../src/kubelet/eviction/stats.js';
import { podCgroupParent } from '../../src/kubelet/cgroups.js';
import { allRunning, podPath, startNodeCluster, statuses, until, type NodeCluster, type Pod } from './node-cluster.js';

let n: NodeCluster;
const Mi = 1024 * 1024;
const get = (name: string) => n.client.json<Pod>('GET', podPath(name));
const loop = 'trap "exit 0" TERM; while true; do sleep 0.2; done';
type Cond = { type: string; status: string; reason?: string; message?: string };
const cond = (o: Pod, type: string) => ((o.status?.conditions ?? []) as Cond[]).find((c) => c.type === type);

describe('memory eviction (real containerd)', { timeout: 180_000 }, () => {
  before(async () => {
    n = await startNodeCluster('ev', { evictionHard: 'memory.available<100Mi', evictionIntervalMs: 3000, evictionPressureTransitionMs: 0 });
  });
  after(async () => {
    await n?.teardown();
  });

  it('evicts the pod above its request first and reports MemoryPressure', async () => {
    const create = (pod: Record<string, unknown>) => n.client.json('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', ...pod });
    await create({ metadata: { name: 'guaranteed' }, spec: { containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', loop], resources: { requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '64Mi', cpu: '50m' } } }] } });
    await create({ metadata: { name: 'hog' }, spec: { terminationGracePeriodSeconds: 5, containers: [{ name: 'hog', image: BUSYBOX_IMAGE, command: ['sh', '-c', `dd if=/dev/zero of=/dev/shm/fill bs=1M count=40 2>/dev/null; ${loop}`], resources: { requests: { memory: '1Mi' } } }] } });
    const hog = await until('both pods Running', async () => {
      const [g, h] = await Promise.all([get('guaranteed'), get('hog')]);
      return allRunning(g) && allRunning(h) ? h : undefined;
    });
    await until('the hog using its 40Mi', async () => ((podMemory(podCgroupParent(n.cgroupRoot, hog.metadata.uid!))?.pod ?? 0) > 30 * Mi ? true : undefined));

    // more than all the memory there is: pressure
    n.agent.kubelet.eviction!.setConfig({ thresholds: parseThresholds('memory.available<100%') });
    const node = await until('MemoryPressure True and the taint', async () => {
      const x = await n.client.json<Pod>('GET', `/api/v1/nodes/${n.nodeName}`);
      const taints = (x.spec?.taints ?? []) as { key: string; effect: string }[];
      return cond(x, 'MemoryPressure')?.status === 'True' && taints.some((t) => t.key === 'node.kubernetes.io/memory-pressure' && t.effect === 'NoSchedule') ? x : undefined;
    });
    assert.equal(cond(node, 'MemoryPressure')!.reason, 'KubeletHasInsufficientMemory');
    assert.equal(cond(node, 'MemoryPressure')!.message, 'kubelet has insufficient memory available');
    const evicted = await until('the hog evicted', async () => {
      const h = await get('hog');
      return h.status?.phase === 'Failed' ? h : undefined;
    }, 60_000, 100);
    // pressure off before the next round could take another pod
    n.agent.kubelet.eviction!.setConfig({ thresholds: parseThresholds('memory.available<1Ki') });
    assert.equal((await get('guaranteed')).status?.phase, 'Running', 'the Guaranteed pod is not evicted first');

    assert.equal(evicted.status.reason, 'Evicted');
    assert.match(evicted.status.message, /^The node was low on resource: memory\. Threshold quantity: \d+\w*, available: \d+\w*\. Container hog was using \d+(\.\d+)?\w*, request is 1Mi, has larger consumption of memory\. $/);
    const dt = cond(evicted, 'DisruptionTarget');
    assert.equal(dt?.status, 'True');
    assert.equal(dt?.reason, 'TerminationByKubelet');
    assert.equal(dt?.message, evicted.status.message);

    const done = await until('the hog container stopped, its status kept', async () => {
      const h = await get('hog');
      return statuses(h)[0]?.state.terminated && h.status.reason === 'Evicted' && cond(h, 'DisruptionTarget') ? h : undefined;
    });
    assert.equal(done.status.phase, 'Failed');
    const events = await n.client.json<{ items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] }>('GET', '/api/v1/namespaces/default/events');
    const ev = events.items.find((e) => e.reason === 'Evicted' && e.involvedObject.name === 'hog');
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.message, evicted.status.message);
    assert.ok(events.items.some((e) => e.reason === 'EvictionThresholdMet' && e.involvedObject.name === n.nodeName), 'EvictionThresholdMet on the node');

    await until('MemoryPressure False and the taint gone', async () => {
      const x = await n.client.json<Pod>('GET', `/api/v1/nodes/${n.nodeName}`);
      const taints = (x.spec?.taints ?? []) as { key: string }[];
      return cond(x, 'MemoryPressure')?.status === 'False' && !taints.some((t) => t.key === 'node.kubernetes.io/memory-pressure') ? true : undefined;
    });
    const g = await get('guaranteed');
    assert.ok(allRunning(g), 'the Guaranteed pod still runs');
    assert.equal(statuses(g)[0]!.restartCount, 0);
  });

  it('refuses new BestEffort pods while under memory pressure; the taint keeps the scheduler away', async () => {
    const create = (pod: Record<string, unknown>) => n.client.json('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', ...pod });
    await n.client.json('DELETE', '/api/v1/namespaces/default/pods', { gracePeriodSeconds: 0 });
    await until('no pods left to evict', async () => ((await n.client.json<{ items: Pod[] }>('GET', '/api/v1/namespaces/default/pods')).items.length === 0 ? true : undefined));
    n.agent.kubelet.eviction!.setConfig({ thresholds: parseThresholds('memory.available<100%') });
    try {
      await until('MemoryPressure True', async () => (cond(await n.client.json<Pod>('GET', `/api/v1/nodes/${n.nodeName}`), 'MemoryPressure')?.status === 'True' ? true : undefined));
      await create({ metadata: { name: 'bound-besteffort' }, spec: { nodeName: n.nodeName, containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', loop] }] } });
      await create({ metadata: { name: 'scheduled-besteffort' }, spec: { containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', loop] }] } });
      const rejected = await until('the bound pod rejected', async () => {
        const p = await get('bound-besteffort');
        return p.status?.phase === 'Failed' ? p : undefined;
      });
      assert.equal(rejected.status.reason, 'Evicted');
      assert.equal(rejected.status.message, 'Pod was rejected: The node had condition: [MemoryPressure]. ');
      const pending = await until('the other pod unschedulable', async () => {
        const p = await get('scheduled-besteffort');
        return cond(p, 'PodScheduled')?.reason === 'Unschedulable' ? p : undefined;
      });
      assert.match(cond(pending, 'PodScheduled')!.message ?? '', /node\.kubernetes\.io\/memory-pressure/);
    } finally {
      n.agent.kubelet.eviction!.setConfig({ thresholds: parseThresholds('memory.available<1Ki') });
    }
    // pressure gone: the scheduler places the pod
    await until('the pending pod Running', async () => (allRunning(await get('scheduled-besteffort')) ? true : undefined), 60_000);
  });
});
