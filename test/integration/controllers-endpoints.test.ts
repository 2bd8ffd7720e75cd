// The Endpoints and EndpointSlice controllers on simulated nodes: addresses of the selected
// pods with a podIP, named target ports resolved per pod, readiness as a kubelet reports it
// (pod status Ready=False through the status subresource), terminating pods, scale up and
// down, headless services, publishNotReadyAddresses, services without selector left alone,
// and everything gone with the service.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../src/api/types.js';
import { MERGE, ensureNamespace, isRunningReady, livePods, startControllerEnv, until, type ControllerEnv } from './controllers-support.js';

const STRATEGIC = 'application/strategic-merge-patch+json';

interface Address {
  ip: string;
  nodeName?: string;
  hostname?: string;
  targetRef?: { kind: string; name: string; namespace: string; uid: string };
}

describe('Endpoints and EndpointSlice controllers on simulated nodes', () => {
  let env: ControllerEnv;
  const ns = 'ep';

  const pod = (name: string, labels: Record<string, string>, node: string, httpPort = 8080, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: httpPort }] }], ...extra },
  });
  const service = (name: string, selector: Record<string, string> | undefined, spec: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { tier: 'front' } },
    spec: { ...(selector ? { selector } : {}), ports: [{ name: 'web', port: 80, targetPort: 'http' }], ...spec },
  });
  const post = (what: string, o: KubeObject) => env.api.json<KubeObject>('POST', `/api/v1/namespaces/${ns}/${what}`, o);
  const getEp = (name: string) => env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/endpoints/${name}`);
  const slices = async (svc: string) =>
    (await env.api.json<KubeList>('GET', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${svc}`)}`)).items;
  const readyIPs = (ep: KubeObject) => ((ep.subsets ?? []) as { addresses?: Address[] }[]).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
  const notReadyIPs = (ep: KubeObject) => ((ep.subsets ?? []) as { notReadyAddresses?: Address[] }[]).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort();
  const sliceEndpoints = async (svc: string) =>
    (await slices(svc)).flatMap((s) => (s.endpoints ?? []) as { addresses: string[]; conditions: { ready: boolean; serving: boolean; terminating: boolean }; targetRef: { name: string } }[]);
  const podIP = async (name: string) => until(async () => (await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/${name}`)).status?.podIP as string | undefined, `${name} has an IP`);
  /** Wait until Endpoints has exactly these ready and not-ready IPs. */
  const endpointsAre = (svc: string, ready: string[], notReady: string[] = []) =>
    until(async () => {
      const ep = await getEp(svc);
      return JSON.stringify(readyIPs(ep)) === JSON.stringify([...ready].sort()) && JSON.stringify(notReadyIPs(ep)) === JSON.stringify([...notReady].sort()) ? ep : undefined;
    }, `endpoints ${svc} ready=${ready} notReady=${notReady}`);

  before(async () => {
    env = await startControllerEnv(3);
    await ensureNamespace(env.api, ns);
  });
  after(async () => env?.close());

  it('lists ready pods with their named target port, targetRef and node; one slice with the same', async () => {
    for (const [i, n] of ['node-0', 'node-1'].entries()) await post('pods', pod(`web-${i}`, { app: 'web' }, n));
    await post('pods', pod('other', { app: 'other' }, 'node-0'));
    await post('services', service('web', { app: 'web' }));
    const ips = [await podIP('web-0'), await podIP('web-1')];
    const ep = await endpointsAre('web', ips);
    const subsets = ep.subsets as { ports: unknown[]; addresses: Address[] }[];
    assert.equal(subsets.length, 1);
    assert.deepEqual(subsets[0]!.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    const a = subsets[0]!.addresses.find((x) => x.targetRef?.name === 'web-0')!;
    assert.equal(a.nodeName, 'node-0');
    assert.equal(a.targetRef!.kind, 'Pod');
    assert.equal(a.targetRef!.namespace, ns);
    assert.deepEqual(ep.metadata.labels, { tier: 'front' });
    assert.match(ep.metadata.annotations!['endpoints.kubernetes.io/last-change-trigger-time']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

    const list = await until(async () => {
      const s = await slices('web');
      return s.length === 1 && (s[0]!.endpoints as unknown[] | undefined)?.length === 2 ? s : undefined;
    }, 'one slice with two endpoints');
    const slice = list[0]!;
    const svc = await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/services/web`);
    assert.match(slice.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata.labels!['kubernetes.io/service-name'], 'web');
    assert.equal(slice.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.labels!.tier, 'front');
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(slice.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
    assert.ok(slice.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']);
    const eps = slice.endpoints as { addresses: string[]; conditions: Record<string, boolean>; nodeName: string; targetRef: { name: string } }[];
    assert.deepEqual(eps.map((e) => e.addresses[0]).sort(), [...ips].sort());
    for (const e of eps) assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(eps.find((e) => e.targetRef.name === 'web-1')!.nodeName, 'node-1');
  });

  it('resolves a named target port per pod: different numbers make separate subsets and slices', async () => {
    await post('pods', pod('web-alt', { app: 'web' }, 'node-1', 9090));
    const ips = [await podIP('web-0'), await podIP('web-1'), await podIP('web-alt')];
    const ep = await endpointsAre('web', ips);
    const ports = (ep.subsets as { ports: { port: number }[]; addresses: Address[] }[]).map((s) => [s.ports[0]!.port, s.addresses.length]).sort();
    assert.deepEqual(ports, [
      [8080, 2],
      [9090, 1],
    ]);
    await until(async () => {
      const s = await slices('web');
      const byPort = s.map((x) => [(x.ports as { port: number }[])[0]?.port, (x.endpoints as unknown[]).length]).sort();
      return JSON.stringify(byPort) === JSON.stringify([[8080, 2], [9090, 1]]) ? true : undefined;
    }, 'a slice per port number');
    // a pod without the named port backs nothing
    await post('pods', { ...pod('web-noport', { app: 'web' }, 'node-0'), spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'busybox' }] } });
    await podIP('web-noport');
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/web-alt`);
    await endpointsAre('web', ips.slice(0, 2));
    // Endpoints drop a pod that lacks the port; slices keep it in a slice without ports, as upstream does
    await until(async () => {
      const byPort = (await slices('web')).map((x) => [(x.ports as { port: number }[] | null)?.[0]?.port ?? 'none', (x.endpoints as { targetRef: { name: string } }[]).map((e) => e.targetRef.name).sort().join(',')]).sort();
      return JSON.stringify(byPort) === JSON.stringify([[8080, 'web-0,web-1'], ['none', 'web-noport']]) ? true : undefined;
    }, 'the 9090 slice gone; the port-less pod in a slice without ports');
  });

  it('follows scale up and down of a ReplicaSet', async () => {
    const labels = { app: 'rs' };
    const rs = (replicas: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-0' }, containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] } } },
    });
    await post('services', service('rs', labels));
    await env.api.json('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, rs(2));
    const count = async (n: number) => {
      const pods = await until(async () => {
        const p = (await livePods(env.api, ns, 'app=rs')).filter(isRunningReady);
        return p.length === n ? p : undefined;
      }, `${n} rs pods ready`);
      await endpointsAre('rs', pods.map((p) => p.status.podIP as string));
      await until(async () => ((await sliceEndpoints('rs')).filter((e) => e.conditions.ready).length === n ? true : undefined), `${n} ready slice endpoints`);
    };
    await count(2);
    await env.api.json('PATCH', `/apis/apps/v1/namespaces/${ns}/replicasets/rs`, { spec: { replicas: 12 } }, MERGE);
    await count(12);
    await env.api.json('PATCH', `/apis/apps/v1/namespaces/${ns}/replicasets/rs`, { spec: { replicas: 1 } }, MERGE);
    await count(1);
    await env.api.json('PATCH', `/apis/apps/v1/namespaces/${ns}/replicasets/rs`, { spec: { replicas: 0 } }, MERGE);
    const ep = await until(async () => {
      const e = await getEp('rs');
      return !e.subsets ? e : undefined;
    }, 'endpoints without subsets');
    assert.equal(ep.subsets, undefined);
    const placeholder = await until(async () => {
      const s = await slices('rs');
      return s.length === 1 && !(s[0]!.endpoints as unknown[] | null)?.length ? s[0] : undefined;
    }, 'one empty placeholder slice');
    assert.ok(!(placeholder!.ports as unknown[] | null)?.length);
  });

  it('headless services: the headless label, and hostnames of pods in the subdomain', async () => {
    await post('pods', pod('db-0', { app: 'db' }, 'node-1', 5432, { hostname: 'db-0', subdomain: 'db' }));
    await post('services', service('db', { app: 'db' }, { clusterIP: 'None' }));
    const ep = await endpointsAre('db', [await podIP('db-0')]);
    assert.equal(ep.metadata.labels!['service.kubernetes.io/headless'], '');
    assert.equal((ep.subsets as { addresses: Address[] }[])[0]!.addresses[0]!.hostname, 'db-0');
    const s = await until(async () => ((await sliceEndpoints('db')).length === 1 ? await slices('db') : undefined), 'db slice');
    assert.equal(s[0]!.metadata.labels!['service.kubernetes.io/headless'], '');
    assert.equal((s[0]!.endpoints as { hostname: string }[])[0]!.hostname, 'db-0');
  });

  it('services without a selector are left alone, and so is the API server\'s kubernetes Endpoints', async () => {
    await post('services', service('manual', undefined));
    const mine: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'web', port: 8080 }] }] };
    await post('endpoints', mine);
    const k8s = await env.api.json<KubeObject>('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    // give the controllers every chance to (wrongly) act: a later service is synced after these
    await post('pods', pod('probe-0', { app: 'probe' }, 'node-0'));
    await post('services', service('probe', { app: 'probe' }));
    await endpointsAre('probe', [await podIP('probe-0')]);
    const after = await getEp('manual');
    assert.deepEqual(readyIPs(after), ['192.0.2.10']);
    assert.equal((await slices('manual')).length, 0);
    const k8sAfter = await env.api.json<KubeObject>('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.equal(k8sAfter.metadata.resourceVersion, k8s.metadata.resourceVersion);
  });

  it('readiness as the kubelet reports it: Ready=False moves a pod to notReadyAddresses and ready=false; terminating pods leave', async () => {
    // node-2's kubelet stops, so nothing rewrites the status we post for it
    await post('pods', pod('flaky', { app: 'web' }, 'node-2'));
    const flakyIP = await podIP('flaky');
    const base = [await podIP('web-0'), await podIP('web-1')];
    await endpointsAre('web', [...base, flakyIP]);
    await until(async () => (isRunningReady(await env.api.json<KubeObject>('GET', `/api/v1/namespaces/${ns}/pods/flaky`)) ? true : undefined), 'flaky ready');
    env.sim.stopNode('node-2');
    const setReady = (status: 'True' | 'False') =>
      env.api.json('PATCH', `/api/v1/namespaces/${ns}/pods/flaky/status`, { status: { conditions: [{ type: 'Ready', status, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } }, STRATEGIC);
    await setReady('False');
    await endpointsAre('web', base, [flakyIP]);
    await until(async () => {
      const e = (await sliceEndpoints('web')).find((x) => x.targetRef.name === 'flaky');
      return e && !e.conditions.ready && !e.conditions.serving && !e.conditions.terminating ? true : undefined;
    }, 'flaky ready=false in its slice');
    await setReady('True');
    await endpointsAre('web', [...base, flakyIP]);
    await until(async () => ((await sliceEndpoints('web')).find((x) => x.targetRef.name === 'flaky')?.conditions.ready ? true : undefined), 'flaky ready again in its slice');

    // publishNotReadyAddresses lists it as ready whatever its state
    await post('services', service('all', { app: 'web' }, { publishNotReadyAddresses: true }));
    await setReady('False');
    await endpointsAre('web', base, [flakyIP]);
    await endpointsAre('all', [...base, flakyIP]);

    // deleted but still terminating on its (stopped) node: out of Endpoints, terminating in the slice
    await setReady('True');
    await endpointsAre('web', [...base, flakyIP]);
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/pods/flaky`);
    await endpointsAre('web', base);
    await until(async () => {
      const e = (await sliceEndpoints('web')).find((x) => x.targetRef.name === 'flaky');
      return e && !e.conditions.ready && e.conditions.serving && e.conditions.terminating ? true : undefined;
    }, 'flaky terminating (still serving) in its slice');
    await endpointsAre('all', [...base, flakyIP]);
  });

  it('deleting the service deletes its Endpoints and its slices', async () => {
    assert.ok((await slices('web')).length > 0);
    await env.api.json('DELETE', `/api/v1/namespaces/${ns}/services/web`);
    await until(async () => {
      try {
        await getEp('web');
        return undefined;
      } catch {
        return true;
      }
    }, 'endpoints web deleted');
    await until(async () => ((await slices('web')).length === 0 ? true : undefined), 'slices of web deleted');
    // the same name again: a new service, new slices owned by it
    const again = await post('services', service('web', { app: 'web' }));
    const base = [await podIP('web-0'), await podIP('web-1')];
    await endpointsAre('web', base);
    await until(async () => {
      const s = await slices('web');
      return s.length > 0 && s.every((x) => x.metadata.ownerReferences?.[0]?.uid === again.metadata.uid) && (await sliceEndpoints('web')).some((e) => e.targetRef.name === 'web-0') ? true : undefined;
    }, 'slices owned by the new service');
  });
});
