// The DaemonSet controller on simulated nodes: one pod per node pinned by node affinity, the
// default tolerations, nodes that join and leave, nodeSelector and taint changes, a rolling
// update that stays within maxUnavailable (and maxSurge) at every pod event, OnDelete,
// ControllerRevisions and the pod labels kubectl rollout relies on, status and events.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { startSim, type RunningSim } from '../../src/sim/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { MERGE, ensureNamespace, events, eventsUntil, isRunningReady, livePods, podTemplate, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

const STRATEGIC = 'application/strategic-merge-patch+json';

/** podTemplate with more pod spec fields. */
function templateWith(labels: Record<string, string>, extra: Record<string, unknown>): Record<string, unknown> {
  const t = podTemplate(labels) as { metadata: unknown; spec: Record<string, unknown> };
  return { metadata: t.metadata, spec: { ...t.spec, ...extra } };
}

function daemonSet(name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, template = podTemplate(labels)): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name }, spec: { selector: { matchLabels: labels }, template, ...spec } };
}

describe('DaemonSet controller on simulated nodes', () => {
  let env: ControllerEnv;
  const ns = 'ds';
  const dsPath = (n: string) => `/apis/apps/v1/namespaces/${ns}/daemonsets/${n}`;
  const getDS = (n: string) => env.api.json<KubeObject>('GET', dsPath(n));
  const create = (ds: KubeObject) => env.api.json<KubeObject>('POST', `/apis/apps/v1/namespaces/${ns}/daemonsets`, ds);
  const nodeNames = async () => (await env.api.json<KubeList>('GET', '/api/v1/nodes')).items.map((n) => n.metadata.name!).sort();
  /** what kubectl rollout status ds waits for */
  const rolledOut = async (n: string, desired: number) => {
    const ds = await getDS(n);
    const s = ds.status ?? {};
    return ds.metadata.generation! <= (s.observedGeneration ?? 0) &&
      s.desiredNumberScheduled === desired &&
      s.updatedNumberScheduled === desired &&
      s.numberAvailable === desired &&
      s.currentNumberScheduled === desired
      ? ds
      : undefined;
  };
  /** live pods by node; every node at most one */
  const podsOnNodes = async (sel: string) => {
    const pods = (await livePods(env.api, ns, sel)).filter(isRunningReady);
    return pods.map((p) => p.spec.nodeName as string).sort();
  };

  before(async () => {
    env = await startControllerEnv(3);
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('runs one ready pod per node, pinned by matchFields node affinity, with the default tolerations', async () => {
    await create(daemonSet('agent', { app: 'agent' }));
    const ds = await until(() => rolledOut('agent', 3), 'agent on 3 nodes');
    assert.deepEqual(await podsOnNodes('app=agent'), await nodeNames());
    const pods = await livePods(env.api, ns, 'app=agent');
    assert.equal(pods.length, 3);
    const revs = (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`)).items;
    assert.equal(revs.length, 1);
    const hash = revs[0]!.metadata.labels!['controller-revision-hash']!;
    assert.equal(revs[0]!.metadata.name, `agent-${hash}`);
    assert.equal(revs[0]!.revision, 1);
    assert.equal(revs[0]!.metadata.ownerReferences![0]!.uid, ds.metadata.uid);
    assert.equal((revs[0]!.data as { spec: { template: Record<string, unknown> } }).spec.template.$patch, 'replace');
    assert.equal(ds.metadata.annotations!['deprecated.daemonset.template.generation'], '1');
    for (const p of pods) {
      assert.equal(p.metadata.labels!['controller-revision-hash'], hash);
      assert.equal(p.metadata.labels!['pod-template-generation'], '1');
      assert.match(p.metadata.name!, /^agent-[a-z0-9]{5}$/);
      const terms = p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      assert.deepEqual(terms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }]);
      const tol = (p.spec.tolerations as { key: string; effect: string; operator: string; tolerationSeconds?: number }[]).map((t) => `${t.key}:${t.effect}:${t.operator}`);
      for (const want of [
        'node.kubernetes.io/not-ready:NoExecute:Exists',
        'node.kubernetes.io/unreachable:NoExecute:Exists',
        'node.kubernetes.io/disk-pressure:NoSchedule:Exists',
        'node.kubernetes.io/memory-pressure:NoSchedule:Exists',
        'node.kubernetes.io/pid-pressure:NoSchedule:Exists',
        'node.kubernetes.io/unschedulable:NoSchedule:Exists',
      ]) {
        assert.ok(tol.includes(want), `toleration ${want} in ${tol.join(' ')}`);
      }
      assert.ok(!tol.some((t) => t.startsWith('node.kubernetes.io/network-unavailable')), 'network-unavailable only for hostNetwork pods');
    }
    const s = ds.status;
    assert.deepEqual(
      [s.desiredNumberScheduled, s.currentNumberScheduled, s.numberReady, s.updatedNumberScheduled, s.numberAvailable, s.numberMisscheduled, s.numberUnavailable ?? 0],
      [3, 3, 3, 3, 3, 0, 0],
    );
    assert.ok(!('numberUnavailable' in s), 'numberUnavailable 0 is omitted, as the API omits empty values');
    const created = (evs: KubeObject[]) => evs.filter((e) => e.reason === 'SuccessfulCreate' && /^Created pod: agent-/.test(String(e.message)));
    const evs = await eventsUntil(env.api, ns, 'agent', (e) => created(e).length >= 3, '3 SuccessfulCreate events');
    assert.equal(created(evs).length, 3);
  });

  it('follows nodes that join and leave', async () => {
    const ac = new AbortController();
    let extra: RunningSim | undefined;
    try {
      extra = await startSim({ rest: { server: env.c.url, token: env.c.adminToken, caPem: env.c.caPem }, nodes: 1, namePrefix: 'extra-', deleteNodesOnExit: true }, ac.signal);
      await until(() => rolledOut('agent', 4), 'agent on the new node');
      assert.ok((await podsOnNodes('app=agent')).includes('extra-0'));
    } finally {
      ac.abort();
      await extra?.stop();
    }
    await until(async () => !(await nodeNames()).includes('extra-0'), 'extra-0 deleted');
    // what the pod garbage collector does for pods bound to a node that no longer exists
    for (const p of await livePods(env.api, ns, 'app=agent')) {
      if (p.spec.nodeName === 'extra-0') await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/${p.metadata.name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 });
    }
    const ds = await until(() => rolledOut('agent', 3), 'desired back to 3 once the node is gone');
    assert.equal(ds.status.numberMisscheduled, 0);
  });

  it('follows nodeSelector and taints: pods leave nodes that stop fitting and come back', async () => {
    const names = await nodeNames();
    await create(daemonSet('picky', { app: 'picky' }, {}, templateWith({ app: 'picky' }, { nodeSelector: { role: 'edge' } })));
    await until(async () => (await getDS('picky')).status?.observedGeneration === 1 || undefined, 'picky observed');
    assert.equal((await getDS('picky')).status.desiredNumberScheduled ?? 0, 0);
    for (const n of names.slice(0, 2)) await env.api.json('PATCH', `/api/v1/nodes/${n}`, { metadata: { labels: { role: 'edge' } } }, MERGE);
    await until(() => rolledOut('picky', 2), 'picky on the two edge nodes');
    assert.deepEqual(await podsOnNodes('app=picky'), names.slice(0, 2));

    // the label goes: the pod goes
    await env.api.json('PATCH', `/api/v1/nodes/${names[0]}`, { metadata: { labels: { role: null } } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=picky')).length === 1 ? true : undefined), 'picky pod removed from the unlabelled node');
    await until(() => rolledOut('picky', 1), 'picky desired 1');

    // a NoSchedule taint keeps new pods off but lets the running one stay; NoExecute evicts it
    await env.api.json('PATCH', `/api/v1/nodes/${names[1]}`, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } }, STRATEGIC);
    await until(async () => ((await getDS('picky')).status?.desiredNumberScheduled === 0 ? true : undefined), 'desired 0 under NoSchedule');
    const ds = await getDS('picky');
    assert.equal(ds.status.numberMisscheduled, 1, 'the running pod stays, counted as misscheduled');
    assert.equal((await livePods(env.api, ns, 'app=picky')).length, 1);
    await env.api.json('PATCH', `/api/v1/nodes/${names[1]}`, { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=picky')).length === 0 ? true : undefined), 'NoExecute taint removes the pod');
    // events trail the change they report (best effort, written after it): wait for them
    await until(async () => ((await events(env.api, ns, 'picky')).some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: picky-/.test(String(e.message))) ? true : undefined), 'the SuccessfulDelete event');

    // a toleration brings it back; the taint going brings back nothing more
    await env.api.json('PATCH', dsPath('picky'), { spec: { template: { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } } } }, STRATEGIC);
    await until(() => rolledOut('picky', 1), 'picky back on the tainted node with a toleration');
    assert.deepEqual(await podsOnNodes('app=picky'), [names[1]]);
    await env.api.json('PATCH', `/api/v1/nodes/${names[1]}`, { spec: { taints: null } }, MERGE);
    await env.api.json('PATCH', `/api/v1/nodes/${names[1]}`, { metadata: { labels: { role: null } } }, MERGE);
    await until(async () => ((await livePods(env.api, ns, 'app=picky')).length === 0 ? true : undefined), 'picky gone everywhere');
  });

  /** Watch the DaemonSet's pods and record, after every event, how many nodes lack a ready pod and the most pods on one node. */
  async function watchRollout(sel: string, nodes: string[], body: () => Promise<void>): Promise<{ maxUnavailable: number; maxPerNode: number }> {
    const ac = new AbortController();
    const inf = new Informer(env.api, { path: `/api/v1/namespaces/${ns}/pods`, labelSelector: sel }, silentLogger());
    let maxUnavailable = 0;
    let maxPerNode = 0;
    let synced = false;
    const check = () => {
      if (!synced) return;
      const live = inf.list().filter((p) => !p.metadata.deletionTimestamp);
      const ready = new Set(live.filter(isRunningReady).map((p) => p.spec.nodeName));
      maxUnavailable = Math.max(maxUnavailable, nodes.filter((n) => !ready.has(n)).length);
      const per = new Map<string, number>();
      for (const p of live) {
        const n = p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
        per.set(n, (per.get(n) ?? 0) + 1);
      }
      maxPerNode = Math.max(maxPerNode, ...per.values());
    };
    inf.addHandlers({ add: check, update: check, delete: check });
    void inf.run(ac.signal);
    await inf.waitForSync();
    synced = true;
    check();
    try {
      await body();
    } finally {
      ac.abort();
    }
    return { maxUnavailable, maxPerNode };
  }

  it('rolls out a new template within maxUnavailable at every pod event; history and generation follow', async () => {
    const nodes = await nodeNames();
    const seen = await watchRollout('app=agent', nodes, async () => {
      await env.api.json('PATCH', dsPath('agent'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v2' }] } } } }, STRATEGIC);
      await until(async () => {
        const ds = await rolledOut('agent', 3);
        return ds && ds.metadata.annotations?.['deprecated.daemonset.template.generation'] === '2' ? ds : undefined;
      }, 'agent v2 rolled out', 30_000);
      await until(async () => {
        const pods = await livePods(env.api, ns, 'app=agent');
        return pods.length === 3 && pods.every((p) => p.spec.containers[0].image === 'busybox:v2' && isRunningReady(p)) ? true : undefined;
      }, 'only v2 pods');
    });
    assert.equal(seen.maxUnavailable, 1, 'at most maxUnavailable (1) nodes without a ready pod, and the update did take one down');
    assert.equal(seen.maxPerNode, 1, 'no surge');
    const revs = (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions?labelSelector=app%3Dagent`)).items;
    assert.deepEqual(revs.map((r) => r.revision).sort(), [1, 2]);
    const v2 = revs.find((r) => r.revision === 2)!;
    for (const p of await livePods(env.api, ns, 'app=agent')) {
      assert.equal(p.metadata.labels!['controller-revision-hash'], v2.metadata.labels!['controller-revision-hash']);
      assert.equal(p.metadata.labels!['pod-template-generation'], '2');
    }
    // rollout undo: apply revision 1's data as a strategic merge patch, as kubectl does
    const v1 = revs.find((r) => r.revision === 1)!;
    await env.api.json('PATCH', dsPath('agent'), v1.data, STRATEGIC);
    await until(async () => {
      const pods = await livePods(env.api, ns, 'app=agent');
      return pods.length === 3 && pods.every((p) => p.spec.containers[0].image === 'busybox' && isRunningReady(p)) ? true : undefined;
    }, 'back to v1 pods');
    const after = (await env.api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions?labelSelector=app%3Dagent`)).items;
    assert.equal(after.length, 2, 'the old revision is reused');
    assert.equal(after.find((r) => r.metadata.uid === v1.metadata.uid)!.revision, 3);
  });

  it('with maxSurge starts the new pod next to the old one and never leaves a node without a ready pod', async () => {
    const nodes = await nodeNames();
    await create(daemonSet('surge', { app: 'surge' }, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
    await until(() => rolledOut('surge', 3), 'surge on 3 nodes');
    const seen = await watchRollout('app=surge', nodes, async () => {
      await env.api.json('PATCH', dsPath('surge'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v2' }] } } } }, STRATEGIC);
      await until(async () => {
        const pods = await livePods(env.api, ns, 'app=surge');
        return pods.length === 3 && pods.every((p) => p.spec.containers[0].image === 'busybox:v2' && isRunningReady(p)) ? true : undefined;
      }, 'only v2 surge pods', 30_000);
      await until(() => rolledOut('surge', 3), 'surge rolled out');
    });
    assert.equal(seen.maxUnavailable, 0, 'maxUnavailable 0: every node always has a ready pod');
    assert.equal(seen.maxPerNode, 2, 'old and new pod side by side');
  });

  it('OnDelete: a template change replaces only the pods that are deleted', async () => {
    await create(daemonSet('manual', { app: 'manual' }, { updateStrategy: { type: 'OnDelete' } }));
    await until(() => rolledOut('manual', 3), 'manual on 3 nodes');
    await env.api.json('PATCH', dsPath('manual'), { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:v2' }] } } } }, STRATEGIC);
    const ds = await until(async () => {
      const d = await getDS('manual');
      return d.status?.observedGeneration === 2 ? d : undefined;
    }, 'manual v2 observed');
    assert.equal(ds.status.updatedNumberScheduled ?? 0, 0);
    const pods = await livePods(env.api, ns, 'app=manual');
    assert.ok(pods.every((p) => p.spec.containers[0].image === 'busybox'), 'nothing replaced by itself');
    const victim = pods[0]!;
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/${victim.metadata.name}`);
    await until(async () => {
      const now = (await livePods(env.api, ns, 'app=manual')).filter(isRunningReady);
      return now.length === 3 && now.filter((p) => p.spec.containers[0].image === 'busybox:v2').length === 1 ? true : undefined;
    }, 'the deleted pod comes back with the new template');
    await until(async () => ((await getDS('manual')).status?.updatedNumberScheduled === 1 ? true : undefined), 'updatedNumberScheduled 1');
    const stillOld = (await livePods(env.api, ns, 'app=manual')).filter((p) => p.spec.containers[0].image === 'busybox');
    assert.equal(stillOld.length, 2);
  });

  it('hostNetwork pods also tolerate network-unavailable', async () => {
    await create(daemonSet('hostnet', { app: 'hostnet' }, {}, templateWith({ app: 'hostnet' }, { hostNetwork: true })));
    await until(() => rolledOut('hostnet', 3), 'hostnet on 3 nodes');
    const pod = (await livePods(env.api, ns, 'app=hostnet'))[0]!;
    assert.ok((pod.spec.tolerations as { key: string; effect: string }[]).some((x) => x.key === 'node.kubernetes.io/network-unavailable' && x.effect === 'NoSchedule'));
  });

  it('a failed daemon pod is deleted (FailedDaemonPod) and replaced', async () => {
    const [victim] = await livePods(env.api, ns, 'app=hostnet');
    assert.ok(isRunningReady(victim!));
    await env.api.json('PATCH', `/api/v1/namespaces/${ns}/pods/${victim!.metadata.name}/status`, { status: { phase: 'Failed' } }, MERGE);
    await until(async () => {
      const pods = (await livePods(env.api, ns, 'app=hostnet')).filter(isRunningReady);
      return pods.length === 3 && !pods.some((p) => p.metadata.uid === victim!.metadata.uid) ? true : undefined;
    }, 'failed pod replaced');
    const want = `Found failed daemon pod ${ns}/${victim!.metadata.name} on node ${victim!.spec.nodeName}, will try to kill it`;
    await eventsUntil(env.api, ns, 'hostnet', (evs) => evs.some((e) => e.reason === 'FailedDaemonPod' && e.type === 'Warning' && e.message === want), 'the FailedDaemonPod event');
  });
});
