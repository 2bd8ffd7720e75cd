// scheduling.k8s.io PriorityClass and priority admission of pods.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

describe('priority classes', () => {
  let c: TestCluster;
  let core: k8s.CoreV1Api;
  let sched: k8s.SchedulingV1Api;
  before(async () => {
    c = await startTestCluster();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    core = kc.makeApiClient(k8s.CoreV1Api);
    sched = kc.makeApiClient(k8s.SchedulingV1Api);
  });
  after(async () => c?.close());

  const pod = (name: string, extra: Partial<k8s.V1PodSpec> = {}): k8s.V1Pod => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } });

  it('has the system classes and gives pods their class priority', async () => {
    const list = await sched.listPriorityClass();
    const names = list.items.map((p) => p.metadata?.name);
    assert.ok(names.includes('system-node-critical') && names.includes('system-cluster-critical'));
    await sched.createPriorityClass({ body: { metadata: { name: 'high' }, value: 1000, description: 'important' } });
    const p = await core.createNamespacedPod({ namespace: 'default', body: pod('prio', { priorityClassName: 'high' }) });
    assert.equal(p.spec?.priority, 1000);
    assert.equal(p.spec?.preemptionPolicy, 'PreemptLowerPriority');
    const plain = await core.createNamespacedPod({ namespace: 'default', body: pod('plain') });
    assert.equal(plain.spec?.priority, 0);
  });

  it('uses the global default class and refuses unknown classes or forged priorities', async () => {
    await sched.createPriorityClass({ body: { metadata: { name: 'default-prio' }, value: 7, globalDefault: true } });
    const d = await core.createNamespacedPod({ namespace: 'default', body: pod('defaulted') });
    assert.equal(d.spec?.priority, 7);
    assert.equal(d.spec?.priorityClassName, 'default-prio');
    await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: pod('nope', { priorityClassName: 'missing' }) }), (e: { code?: number; body?: string }) => e.code === 403 && /no PriorityClass with name missing/.test(String(e.body)));
    await assert.rejects(core.createNamespacedPod({ namespace: 'default', body: pod('forged', { priorityClassName: 'high', priority: 5 }) }), (e: { code?: number }) => e.code === 403);
  });

  it('validates classes', async () => {
    await assert.rejects(sched.createPriorityClass({ body: { metadata: { name: 'too-high' }, value: 2_000_000_000 } }), (e: { code?: number }) => e.code === 422);
    await assert.rejects(sched.createPriorityClass({ body: { metadata: { name: 'system-mine' }, value: 1 } }), (e: { code?: number }) => e.code === 422);
  });
});
