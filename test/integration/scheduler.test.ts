// The scheduler through the API server with simulated nodes: placement, Kubernetes'
// FailedScheduling messages, taints, cordon, host ports, spreading, affinity, priority,
// preemption, requeue on node add, and foreign schedulerName.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { RestClient } from '../../src/client/rest.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import type { KubeObject, KubeList } from '../../src/api/types.js';

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scheduler with simulated nodes', () => {
  let c: TestCluster;
  let api: RestClient;
  let sim: RunningSim;
  const ac = new AbortController();
  const extraSims: RunningSim[] = [];

  const pod = (name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...meta },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } }], ...spec },
  });
  const create = (p: KubeObject, ns = 'default') => api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/pods`, p);
  const get = (name: string, ns = 'default') => api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/${name}`);
  const nodeOf = (name: string) => until(async () => (await get(name)).spec?.nodeName as string | undefined, `${name} to be scheduled`);
  const failedMessage = (name: string) =>
    until(async () => {
      const p = await get(name);
      const cond = (p.status?.conditions ?? []).find((x: { type: string }) => x.type === 'PodScheduled');
      return cond?.status === 'False' ? (cond.message as string) : undefined;
    }, `${name} to be marked unschedulable`);

  before(async () => {
    c = await startTestCluster({ scheduler: true });
    api = new RestClient({ server: c.url, token: c.adminToken, caPem: c.caPem });
    sim = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 3, cpu: '2', memory: '4Gi', pods: '20', namePrefix: 'node-' }, ac.signal);
  });
  after(async () => {
    ac.abort();
    await sim?.stop();
    for (const s of extraSims) await s.stop();
    api?.close();
    await c?.close();
  });

  it('places a pod, records Scheduled, and the node runs it', async () => {
    await create(pod('web'));
    const node = await nodeOf('web');
    assert.match(node, /^node-\d$/);
    const running = await until(async () => ((await get('web')).status?.phase === 'Running' ? true : undefined), 'web Running');
    assert.ok(running);
    const evs = await api.json<KubeList>('GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb');
    const sched = evs.items.find((e) => e.reason === 'Scheduled');
    assert.equal(sched?.message, `Successfully assigned default/web to ${node}`);
  });

  it('explains why nothing fits, in Kubernetes wording', async () => {
    await create(pod('huge', { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '64' } } }] }));
    const msg = await failedMessage('huge');
    assert.match(msg, /^0\/3 nodes are available: 3 Insufficient cpu\. preemption: /);
    await create(pod('picky', { nodeSelector: { disk: 'ssd' } }));
    assert.match(await failedMessage('picky'), /^0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./);
    const evs = await api.json<KubeList>('GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dhuge');
    assert.ok(evs.items.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning'));
    const p = await get('huge');
    assert.equal(p.status?.phase, 'Pending');
    assert.equal(p.spec?.nodeName, undefined);
  });

  it('honours taints, tolerations and cordon', async () => {
    for (const n of ['node-0', 'node-1']) {
      await api.json('PATCH', `/api/v1/nodes/${n}`, { spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } }, 'application/merge-patch+json');
    }
    await create(pod('plain-1'));
    assert.equal(await nodeOf('plain-1'), 'node-2');
    await create(pod('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], nodeSelector: { 'kubernetes.io/hostname': 'node-0' } }));
    assert.equal(await nodeOf('tolerant'), 'node-0');
    await api.json('PATCH', '/api/v1/nodes/node-2', { spec: { unschedulable: true } }, 'application/merge-patch+json');
    await create(pod('nowhere'));
    const msg = await failedMessage('nowhere');
    assert.match(msg, /1 node\(s\) were unschedulable/);
    assert.match(msg, /2 node\(s\) had untolerated taint \{dedicated: gpu\}/);
    // uncordon and untaint: the pending pod is requeued by the node update and placed
    await api.json('PATCH', '/api/v1/nodes/node-2', { spec: { unschedulable: null } }, 'application/merge-patch+json');
    assert.equal(await nodeOf('nowhere'), 'node-2');
    for (const n of ['node-0', 'node-1']) await api.json('PATCH', `/api/v1/nodes/${n}`, { spec: { taints: null } }, 'application/merge-patch+json');
  });

  it('refuses a host port that is taken on every node', async () => {
    for (let i = 0; i < 3; i++) {
      await create(pod(`hp-${i}`, { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }] }));
    }
    const nodes = new Set([await nodeOf('hp-0'), await nodeOf('hp-1'), await nodeOf('hp-2')]);
    assert.equal(nodes.size, 3, 'one host port user per node');
    await create(pod('hp-3', { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80, hostPort: 8080 }] }] }));
    assert.match(await failedMessage('hp-3'), /3 node\(s\) didn't have free ports for the requested pod ports/);
  });

  it('spreads the pods of one ReplicaSet and honours anti-affinity', async () => {
    await api.json('POST', '/api/v1/namespaces', { metadata: { name: 'spread' } });
    const rs = await api.json<KubeObject>('POST', '/apis/apps/v1/namespaces/spread/replicasets', {
      metadata: { name: 'app' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'spread' } }, template: { metadata: { labels: { app: 'spread' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'app', uid: rs.metadata.uid, controller: true }];
    await create(pod('s-0', {}, { labels: { app: 'spread' }, ownerReferences: owner }), 'spread');
    const first = await until(async () => (await get('s-0', 'spread')).spec?.nodeName as string | undefined, 's-0 placed');
    await create(pod('s-1', {}, { labels: { app: 'spread' }, ownerReferences: owner }), 'spread');
    const second = await until(async () => (await get('s-1', 'spread')).spec?.nodeName as string | undefined, 's-1 placed');
    assert.notEqual(first, second, 'two replicas of one ReplicaSet land on two nodes');

    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { role: 'solo' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    for (let i = 0; i < 4; i++) await create(pod(`solo-${i}`, { affinity: anti }, { labels: { role: 'solo' } }), 'spread');
    const placed = new Set<string>();
    for (let i = 0; i < 3; i++) placed.add(await until(async () => (await get(`solo-${i}`, 'spread')).spec?.nodeName as string | undefined, `solo-${i}`));
    assert.equal(placed.size, 3);
    const msg = await until(async () => {
      const p = await get('solo-3', 'spread');
      const cond = (p.status?.conditions ?? []).find((x: { type: string }) => x.type === 'PodScheduled');
      return cond?.status === 'False' ? (cond.message as string) : undefined;
    }, 'solo-3 unschedulable');
    assert.match(msg, /node\(s\) didn't match pod anti-affinity rules/);
  });

  it('ignores pods for another scheduler', async () => {
    await create(pod('foreign', { schedulerName: 'my-scheduler' }));
    await new Promise((r) => setTimeout(r, 500));
    const p = await get('foreign');
    assert.equal(p.spec?.nodeName, undefined);
    assert.equal((p.status?.conditions ?? []).length, 0);
  });

  it('preempts lower-priority pods when a higher-priority pod does not fit', async () => {
    await api.json('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { metadata: { name: 'low' }, value: 10 });
    await api.json('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { metadata: { name: 'high' }, value: 1000 });
    await api.json('POST', '/api/v1/namespaces', { metadata: { name: 'prio' } });
    // fill every node's cpu with low-priority pods (2 cpu per node, existing pods use a little)
    for (let i = 0; i < 3; i++) {
      await create(pod(`filler-${i}`, { priorityClassName: 'low', nodeSelector: { 'kubernetes.io/hostname': `node-${i}` }, containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1500m' } } }] }), 'prio');
      await until(async () => (await get(`filler-${i}`, 'prio')).spec?.nodeName as string | undefined, `filler-${i}`);
    }
    await create(pod('vip', { priorityClassName: 'high', containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1500m' } } }] }), 'prio');
    const node = await until(async () => (await get('vip', 'prio')).spec?.nodeName as string | undefined, 'vip scheduled after preemption', 20_000);
    const victims = (await api.json<KubeList>('GET', '/api/v1/namespaces/prio/pods')).items.filter((p) => p.metadata.name?.startsWith('filler-'));
    assert.equal(victims.length, 2, `one filler was preempted from ${node}`);
  });

  it('requeues a pending pod when a node is added', async () => {
    await create(pod('needs-big', { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '8' } } }] }));
    await failedMessage('needs-big');
    const big = await startSim({ rest: { server: c.url, token: c.adminToken, caPem: c.caPem }, nodes: 1, cpu: '16', memory: '16Gi', namePrefix: 'big-' }, ac.signal);
    extraSims.push(big);
    assert.equal(await nodeOf('needs-big'), 'big-0');
  });
});
