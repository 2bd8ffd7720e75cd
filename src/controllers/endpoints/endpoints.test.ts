// Unit tests of the endpoint controllers' pure logic: subsets, named ports, slice planning,
// the trigger-time tracker, the batcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { podToEndpoint, sliceLabels, endpointKey, type Endpoint } from '../endpointslice/endpoint.js';
import { MAX_ENDPOINTS_PER_SLICE, planSlices, portsKey, type DesiredGroup } from '../endpointslice/reconcile.js';
import { findPort, podEndpointsChanged } from './podutil.js';
import { Batcher } from './services.js';
import { buildSubsets, truncateSubsets, MAX_CAPACITY } from './subsets.js';
import { rfc3339Nano, TriggerTimeTracker } from './trigger.js';

const svc = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', namespace: 'ns', uid: 'su', labels: { team: 'a', 'kubernetes.io/service-name': 'spoof' }, creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { clusterIP: '10.43.0.9', selector: { app: 'x' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }], ...spec },
});
const pod = (name: string, ip: string | undefined, o: { ready?: boolean; port?: number; deleting?: boolean; phase?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: o.port ?? 8080 }] }] },
  status: { phase: o.phase ?? 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2025-01-01T00:01:00Z' }] },
});

test('subsets: ready and not-ready addresses, pods without IP or terminal left out, grouped by resolved port', () => {
  const pods = [pod('a', '10.0.0.2'), pod('b', '10.0.0.10', { ready: false }), pod('c', undefined), pod('d', '10.0.0.4', { phase: 'Succeeded' }), pod('e', '10.0.0.3', { port: 9090 }), pod('f', '10.0.0.5', { deleting: true })];
  const subsets = buildSubsets(svc(), pods);
  assert.deepEqual(
    subsets.map((s) => [s.ports?.[0]?.port, s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip)]),
    [
      [8080, ['10.0.0.2'], ['10.0.0.10']],
      [9090, ['10.0.0.3'], undefined],
    ],
  );
  assert.deepEqual(subsets[0]!.addresses![0], { ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } });
  const all = buildSubsets(svc({ publishNotReadyAddresses: true }), pods);
  assert.deepEqual(all.flatMap((s) => s.addresses!.map((a) => a.ip)), ['10.0.0.2', '10.0.0.5', '10.0.0.10', '10.0.0.3']);
});

test('headless services without ports list addresses without ports; others with no matching port list nothing', () => {
  assert.deepEqual(buildSubsets(svc({ clusterIP: 'None', ports: [] }), [pod('a', '10.0.0.2')]).map((s) => [s.ports, s.addresses!.length]), [[undefined, 1]]);
  assert.deepEqual(buildSubsets(svc({ ports: [] }), [pod('a', '10.0.0.2')]), []);
});

test('findPort: numbers as is, names by container port name and protocol', () => {
  const p = pod('a', '10.0.0.2', { port: 8443 });
  assert.equal(findPort(p, { targetPort: 'http', protocol: 'TCP' }), 8443);
  assert.equal(findPort(p, { targetPort: 'http', protocol: 'UDP' }), undefined);
  assert.equal(findPort(p, { targetPort: 'nope' }), undefined);
  assert.equal(findPort(p, { targetPort: 7 }), 7);
  assert.equal(findPort(p, { port: 80 }), 80);
});

test('truncation keeps ready addresses first', () => {
  const pods = Array.from({ length: MAX_CAPACITY + 5 }, (_, i) => pod(`p${i}`, `10.1.${Math.floor(i / 250)}.${i % 250}`, { ready: i % 2 === 0 }));
  const subsets = buildSubsets(svc(), pods);
  assert.ok(truncateSubsets(subsets));
  const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  assert.equal(ready + notReady, MAX_CAPACITY);
  assert.equal(ready, 503);
});

test('slice endpoints: conditions for ready, not ready and terminating pods', () => {
  const s = svc();
  assert.deepEqual(podToEndpoint(pod('a', '10.0.0.2'), undefined, s, 'IPv4')!.conditions, { ready: true, serving: true, terminating: false });
  assert.deepEqual(podToEndpoint(pod('a', '10.0.0.2', { ready: false }), undefined, s, 'IPv4')!.conditions, { ready: false, serving: false, terminating: false });
  assert.deepEqual(podToEndpoint(pod('a', '10.0.0.2', { deleting: true }), undefined, s, 'IPv4')!.conditions, { ready: false, serving: true, terminating: true });
  assert.deepEqual(podToEndpoint(pod('a', '10.0.0.2', { deleting: true }), undefined, svc({ publishNotReadyAddresses: true }), 'IPv4')!.conditions, { ready: true, serving: true, terminating: true });
  assert.equal(podToEndpoint(pod('a', '10.0.0.2'), undefined, s, 'IPv6'), undefined);
  const zoned = podToEndpoint(pod('a', '10.0.0.2'), { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { 'topology.kubernetes.io/zone': 'z1' } } }, s, 'IPv4');
  assert.equal(zoned!.zone, 'z1');
  assert.deepEqual(sliceLabels(s), { team: 'a', 'kubernetes.io/service-name': 's', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
});

const ports = [{ name: 'http', port: 8080, protocol: 'TCP' }];
const ep = (i: number): Endpoint => ({ addresses: [`10.0.${Math.floor(i / 200)}.${i % 200}`], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', uid: `u${i}` } });
const group = (ids: number[]): Map<string, DesiredGroup> => new Map([[portsKey(ports), { ports, endpoints: new Map(ids.map((i) => [endpointKey(ep(i)), ep(i)])) }]]);
const slice = (name: string, ids: number[]): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, labels: sliceLabels(svc()) }, addressType: 'IPv4', endpoints: ids.map(ep), ports });

test('slice plan: new endpoints fill slices with room; nothing to do when nothing changed; 100 per slice', () => {
  const s = svc();
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
  const fresh = planSlices(s, 'IPv4', group(ids(250)), []);
  assert.deepEqual(fresh.create.map((x) => (x.endpoints as unknown[]).length), [100, 100, 50]);
  assert.equal(fresh.create[0]!.metadata.generateName, 's-');
  assert.deepEqual(planSlices(s, 'IPv4', group(ids(3)), [slice('a', ids(3))]), { create: [], update: [], delete: [] });
  const grown = planSlices(s, 'IPv4', group(ids(MAX_ENDPOINTS_PER_SLICE + 10)), [slice('a', ids(95))]);
  assert.deepEqual(grown.update.map((x) => (x.endpoints as unknown[]).length), [100]);
  assert.deepEqual(grown.create.map((x) => (x.endpoints as unknown[]).length), [10]);
  const shrunk = planSlices(s, 'IPv4', group([1, 2]), [slice('a', [0, 1]), slice('b', [2, 3]), slice('c', [4])]);
  assert.deepEqual(shrunk.update.map((x) => x.metadata.name), ['a', 'b']);
  assert.deepEqual(shrunk.delete.map((x) => x.metadata.name), ['c']);
});

test('slice plan: no endpoints leaves one placeholder slice, reused rather than recreated', () => {
  const s = svc();
  const none = planSlices(s, 'IPv4', new Map(), [slice('a', [0])]);
  assert.deepEqual(none.delete.map((x) => x.metadata.name), ['a']);
  assert.equal(none.create.length, 1);
  assert.deepEqual([none.create[0]!.endpoints, none.create[0]!.ports], [[], []]);
  const placeholder = { ...slice('p', []), ports: [] };
  assert.deepEqual(planSlices(s, 'IPv4', new Map(), [placeholder]), { create: [], update: [], delete: [] });
});

test('trigger time: creation of a new service, then the earliest Ready transition that changed', () => {
  const t = new TriggerTimeTracker();
  const s = svc();
  const a = pod('a', '10.0.0.2');
  assert.equal(t.compute('ns/s', s, [a]), Date.parse('2025-01-01T00:00:00Z'));
  assert.equal(t.compute('ns/s', s, [a]), undefined);
  const b = pod('b', '10.0.0.3');
  b.status.conditions[0].lastTransitionTime = '2025-01-01T00:05:00Z';
  assert.equal(t.compute('ns/s', s, [a, b]), Date.parse('2025-01-01T00:05:00Z'));
  assert.equal(rfc3339Nano(Date.parse('2025-01-01T00:05:00Z')), '2025-01-01T00:05:00Z');
  assert.equal(rfc3339Nano(Date.parse('2025-01-01T00:05:00.120Z')), '2025-01-01T00:05:00.12Z');
});

test('batcher: a burst of adds for one key fires once, other keys on their own', async () => {
  const fired: string[] = [];
  const b = new Batcher(30, (k) => fired.push(k));
  for (let i = 0; i < 100; i++) b.add('a');
  b.add('b');
  assert.deepEqual(fired, []);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(fired.sort(), ['a', 'b']);
  b.add('a');
  b.stop();
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(fired.sort(), ['a', 'b'], 'stopped: nothing more fires');
});

test('podEndpointsChanged: only labels, IPs, readiness, deletion, terminal phase, node, hostname and subdomain count', () => {
  const base = pod('a', '10.0.0.2');
  const with_ = (f: (p: KubeObject) => void): KubeObject => {
    const p = structuredClone(base);
    f(p);
    return p;
  };
  assert.equal(podEndpointsChanged(base, structuredClone(base)), false);
  assert.equal(podEndpointsChanged(base, with_((p) => (p.metadata.annotations = { a: 'b' }))), false, 'annotations');
  assert.equal(podEndpointsChanged(base, with_((p) => (p.status.startTime = '2025-01-01T00:00:00Z'))), false, 'other status');
  assert.equal(podEndpointsChanged(base, with_((p) => (p.metadata.labels = {}))), false, 'no labels = empty labels');
  const changes: [string, (p: KubeObject) => void][] = [
    ['labels', (p) => (p.metadata.labels = { app: 'x' })],
    ['podIP', (p) => (p.status.podIP = '10.0.0.3')],
    ['podIPs', (p) => (p.status.podIPs = [{ ip: '10.0.0.2' }])],
    ['ready', (p) => (p.status.conditions[0].status = 'False')],
    ['deleting', (p) => (p.metadata.deletionTimestamp = '2025-01-01T00:00:00Z')],
    ['terminal', (p) => (p.status.phase = 'Failed')],
    ['nodeName', (p) => (p.spec.nodeName = 'n2')],
    ['hostname', (p) => (p.spec.hostname = 'h')],
    ['subdomain', (p) => (p.spec.subdomain = 's')],
  ];
  for (const [what, f] of changes) assert.equal(podEndpointsChanged(base, with_(f)), true, what);
  const labelled = with_((p) => (p.metadata.labels = { app: 'x', tier: 'web' }));
  assert.equal(podEndpointsChanged(labelled, with_((p) => (p.metadata.labels = { tier: 'web', app: 'x' }))), false, 'label order');
  assert.equal(podEndpointsChanged(labelled, with_((p) => (p.metadata.labels = { app: 'x', tier: 'db' }))), true, 'label value');
});
