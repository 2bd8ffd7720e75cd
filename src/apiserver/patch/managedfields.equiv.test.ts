// The trie-based managed-fields implementation must give byte-for-byte the results of the
// original path-list algorithm (legacy.ts) on the same input: recordUpdate (create and update),
// computeFieldSet, compareObjects, FieldSet algebra and FieldsV1 decoding.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { GVK, KubeObject } from '../../api/types.js';
import { recordUpdate } from './apply.js';
import { FieldSet } from './fieldpath.js';
import { clone, deepEqual, sortedJson } from './json.js';
import { compareObjects, computeFieldSet } from './managedfields.js';
import { newManagerEntries, ownedUpdateEntries } from './ownedupdate.js';
import { takenFieldsV1 } from './managedfields.js';
import { LegacyFieldSet, legacyCompareObjects, legacyComputeFieldSet, legacyRecordUpdate } from './legacy.js';

const SEEDS = new URL('../../../../test/fixtures/seeds/', import.meta.url);
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';

function gvkOf(o: KubeObject): GVK {
  const [g, v] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  return { group: g!, version: v!, kind: o.kind };
}

const container = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: `${name}:1`,
  ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 53, protocol: 'UDP' }],
  env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: {} },
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
  ...extra,
});

const meta = (name: string) => ({
  name,
  namespace: 'default',
  uid: 'u-1',
  resourceVersion: '5',
  creationTimestamp: T0,
  labels: { app: 'web', tier: 'fe' },
  annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}' },
  finalizers: ['a.io/x', 'b.io/y'],
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }],
});

const podSpec = () => ({
  containers: [container('main'), container('side', { command: ['sh', '-c', 'true'], args: [] })],
  initContainers: [container('init')],
  volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: 'p' }] } }],
  tolerations: [{ key: 'k', operator: 'Exists' }],
  nodeSelector: { disk: 'ssd' },
  imagePullSecrets: [{ name: 'reg' }],
  securityContext: {},
  dnsConfig: null,
});

const HANDMADE: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: meta('p1'), spec: podSpec(), status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dup' }, spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y', ports: [] }, { image: 'nokey' }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'undef', labels: { a: undefined } }, spec: { containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: undefined } } }], hostname: undefined } } as unknown as KubeObject,
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nulls', labels: null }, spec: null } as unknown as KubeObject,
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'only' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('d1'),
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } }, template: { metadata: { labels: { app: 'web' } }, spec: podSpec() } },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('s1'),
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, name: 'http' }, { port: 53, protocol: 'UDP' }], clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.1'], type: 'ClusterIP', ipFamilies: ['IPv4'] },
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: {} }, data: { a: '1', b: '2' }, binaryData: {} },
  { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { list: [1, 2], nested: { a: { b: [{ c: 1 }] } } } },
];

function seeds(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of readdirSync(SEEDS).sort()) {
    if (!/\.ya?ml$/.test(f)) continue;
    for (const d of parseAllDocuments(readFileSync(new URL(f, SEEDS), 'utf8'))) {
      const v = (Array.isArray(d) ? undefined : d.toJS()) as KubeObject | undefined;
      if (v && typeof v === 'object' && typeof v.kind === 'string' && typeof v.apiVersion === 'string') out.push(v);
    }
  }
  return out;
}

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random variation: delete, change or add members somewhere below the root. */
function mutate(o: KubeObject, r: () => number): KubeObject {
  const c = clone(o);
  const walk = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      if (v.length > 0 && r() < 0.2) v.splice(Math.floor(r() * v.length), 1);
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const p = r();
      if (depth > 0 && p < 0.08) delete rec[k];
      else if (p < 0.16 && typeof rec[k] === 'string') rec[k] = `${rec[k] as string}-x`;
      else if (p < 0.2) rec[`new${Math.floor(r() * 3)}`] = r() < 0.5 ? 'v' : { z: [1] };
      else walk(rec[k], depth + 1);
    }
  };
  walk(c, 0);
  return c;
}

const json = (v: unknown): string => JSON.stringify(v);
const same = (a: FieldSet, b: LegacyFieldSet, what: string): void => {
  assert.equal(json(a.toFieldsV1()), json(b.toFieldsV1()), what);
  assert.equal(json(a.paths()), json(b.paths()), `${what} (paths)`);
};

const ALL = [...seeds(), ...HANDMADE];

test('equivalence corpus has the seeds and the hand-made objects', () => {
  assert.ok(ALL.length >= HANDMADE.length + 10, `only ${ALL.length} objects`);
});

test('recordUpdate on create and update matches the original algorithm', () => {
  const r = rng(1);
  for (const obj of ALL) {
    const gvk = gvkOf(obj);
    const created = recordUpdate({ gvk, old: undefined, updated: clone(obj), manager: 'kubectl-create', now: T0 });
    const legacyCreated = legacyRecordUpdate({ gvk, old: undefined, updated: clone(obj), manager: 'kubectl-create', now: T0 });
    assert.equal(json(created), json(legacyCreated), `create ${obj.kind}/${obj.metadata?.name}`);
    let cur = created;
    for (let i = 0; i < 12; i++) {
      const next = mutate(cur, r);
      if (i % 4 === 3 && next.metadata) next.metadata.managedFields = [];
      const sub = i % 3 === 2 ? 'status' : undefined;
      const manager = ['m1', 'm2', 'kubectl-create'][i % 3]!;
      const a = recordUpdate({ gvk, old: cur, updated: clone(next), manager, now: i % 2 ? T1 : T0, subresource: sub });
      const b = legacyRecordUpdate({ gvk, old: cur, updated: clone(next), manager, now: i % 2 ? T1 : T0, subresource: sub });
      assert.equal(json(a), json(b), `update ${i} of ${obj.kind}/${obj.metadata?.name}`);
      cur = a;
    }
  }
});

test('computeFieldSet, compareObjects and FieldSet algebra match the original algorithm', () => {
  const r = rng(2);
  for (const obj of ALL) {
    const gvk = gvkOf(obj);
    const variants = [obj, mutate(obj, r), mutate(obj, r), {}];
    for (const a of variants) {
      same(computeFieldSet(gvk, a), legacyComputeFieldSet(gvk, a), `fieldset ${obj.kind}`);
      for (const b of variants) {
        const x = compareObjects(gvk, a, b);
        const y = legacyCompareObjects(gvk, a, b);
        same(x.added, y.added, 'added');
        same(x.removed, y.removed, 'removed');
        same(x.modified, y.modified, 'modified');
        const [sa, sb] = [computeFieldSet(gvk, a).union(x.added), computeFieldSet(gvk, b)];
        const [la, lb] = [legacyComputeFieldSet(gvk, a).union(y.added), legacyComputeFieldSet(gvk, b)];
        same(sa.union(sb), la.union(lb), 'union');
        same(sa.difference(sb), la.difference(lb), 'difference');
        same(sa.intersection(sb), la.intersection(lb), 'intersection');
        same(sa.difference(sb).difference(x.removed), la.difference(lb).difference(y.removed), 'difference chain');
        same(FieldSet.fromFieldsV1(sa.toFieldsV1()), LegacyFieldSet.fromFieldsV1(la.toFieldsV1()), 'fromFieldsV1');
        assert.equal(sa.isEmpty(), la.isEmpty());
      }
    }
  }
});

test('FieldsV1 decoding of odd input matches the original', () => {
  const inputs: unknown[] = [{}, { '.': {} }, { 'f:a': 1 }, { 'f:a': { '.': {}, 'f:b': { 'f:c': 'x' } } }, { 'f:a': { 'f:b': {} }, 'k:{"x":1}': { '.': {} } }, null, []];
  for (const v of inputs) same(FieldSet.fromFieldsV1(v), LegacyFieldSet.fromFieldsV1(v), json(v));
});

/** json.ts deepEqual before it was rewritten with loops. */
function referenceDeepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => referenceDeepEqual(x, b[i]));
  }
  if (a !== null && typeof a === 'object') {
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return false;
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const ka = Object.keys(ao).filter((k) => ao[k] !== undefined);
    const kb = Object.keys(bo).filter((k) => bo[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && referenceDeepEqual(ao[k], bo[k]));
  }
  return false;
}

test('deepEqual matches the original on undefined members, holes and mixed shapes', () => {
  const r = rng(5);
  // eslint-disable-next-line no-sparse-arrays
  const values: unknown[] = [1, '1', null, undefined, [], {}, [1, 2], [1, , 2], [1, undefined, 2], { a: 1 }, { a: 1, b: undefined }, { b: undefined }, { a: [1, { c: 2 }] }, { a: [1, { c: 2, d: undefined }] }];
  for (const obj of ALL.slice(0, 6)) values.push(obj, mutate(obj, r), clone(obj));
  for (const a of values) for (const b of values) assert.equal(deepEqual(a, b), referenceDeepEqual(a, b), `${json(a)} vs ${json(b)}`);
});

test('sortedJson matches the original', () => {
  const reference = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map((x) => reference(x === undefined ? null : x)).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
    }
    return JSON.stringify(v);
  };
  const r = rng(9);
  const values: unknown[] = [{ b: 1, a: 'x', c: undefined }, { name: 'main' }, { containerPort: 80, protocol: 'TCP' }, { 'é': 1, Z: 2, a: [1, undefined, { y: 1, x: 2 }] }, [], {}, 'a"b', 5, null];
  for (const obj of ALL) values.push(obj, mutate(obj, r));
  for (const v of values) assert.equal(sortedJson(v), reference(v));
});

/** A variation that only changes values of scalar leaves (what the fast path of recordUpdate handles). */
function tweak(o: KubeObject, r: () => number, p = 0.12): KubeObject {
  const c = clone(o);
  const change = (x: unknown): unknown => {
    const q = r();
    if (q < 0.05) return { t: 1 }; // a leaf becoming a map, a list or null
    if (q < 0.1) return [1];
    if (q < 0.15) return null;
    return typeof x === 'string' ? `${x}-t` : typeof x === 'number' ? x + 1 : typeof x === 'boolean' ? !x : x === null ? 'n' : x;
  };
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'object' || v[i] === null) {
          if (r() < p / 2) v[i] = change(v[i]);
        } else walk(v[i]);
      }
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    const rec = v as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (k === 'managedFields') continue;
      const v = rec[k];
      if (typeof v !== 'object' || v === null) {
        if (r() < p) rec[k] = change(v);
      } else if (!Array.isArray(v) && r() < p / 3) {
        rec[k] = Object.keys(v).length === 0 ? { t: 1 } : {}; // an empty map filled, or a map emptied
      } else walk(v);
    }
  };
  walk(c);
  return c;
}

/** Client-side rewrites of managedFields: reordered, duplicated, odd entries. */
function rewriteManagedFields(o: KubeObject, r: () => number): void {
  const mf = o.metadata?.managedFields;
  if (!Array.isArray(mf) || mf.length === 0) return;
  const p = r();
  if (p < 0.25) mf.reverse();
  else if (p < 0.4) mf.push(clone(mf[0]!));
  else if (p < 0.55) mf[0] = { ...mf[0]!, time: '2024-06-01T00:00:00Z' };
  else if (p < 0.7) mf[0] = { ...mf[0]!, fieldsV1: Object.fromEntries(Object.entries(mf[0]!.fieldsV1 ?? {}).reverse()) };
  else if (p < 0.8) mf.push({ manager: 'm2', operation: 'Apply', apiVersion: 'v9', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:zz': {} } } } });
  else if (p < 0.85) mf[0] = { ...mf[0]!, subresource: 'status' };
  else if (p < 0.9) mf[0] = { ...mf[0]!, fieldsV1: Object.fromEntries(Object.entries(mf[0]!.fieldsV1 ?? {}).slice(0, 1)) };
  else mf.push({ manager: 'm3', operation: 'Update', apiVersion: 'v1', fieldsV1: {} });
}

test('recordUpdate fast path (ownedupdate.ts) gives what the general algorithm gives', () => {
  const r = rng(11);
  const times = [T0, T1, '2025-01-01T00:00:00.500000Z', '', '2024-12-31T23:59:59Z', T1];
  let fast = 0;
  let fresh = 0;
  let total = 0;
  for (const obj of ALL) {
    const gvk = gvkOf(obj);
    let cur = recordUpdate({ gvk, old: undefined, updated: clone(obj), manager: 'm1', now: T0 });
    for (let i = 0; i < 60; i++) {
      let sub = r() < 0.3 ? 'status' : undefined;
      let manager = ['m1', 'm2', 'm3'][Math.floor(r() * 3)]!;
      const updates = (cur.metadata?.managedFields ?? []).filter((e) => e.operation === 'Update');
      if (updates.length > 0 && r() < 0.6) {
        // a manager writing again (the case the fast path is for)
        const e = updates[Math.floor(r() * updates.length)]!;
        manager = e.manager!;
        sub = e.subresource === 'status' ? 'status' : undefined;
      }
      const next = r() < 0.15 ? mutate(cur, r) : tweak(cur, r, r() < 0.5 ? 0.03 : 0.12);
      if (r() < 0.15) rewriteManagedFields(next, r);
      const now = times[i % times.length]!;
      const a = recordUpdate({ gvk, old: cur, updated: clone(next), manager, now, subresource: sub });
      const b = recordUpdate({ gvk, old: cur, updated: clone(next), manager, now, subresource: sub, general: true });
      assert.equal(json(a), json(b), `update ${i} of ${obj.kind}/${obj.metadata?.name} by ${manager}${sub ? ' (status)' : ''}`);
      const base = next.metadata?.managedFields;
      total++;
      if (cur && base?.length && ownedUpdateEntries(gvk, cur, next, base, manager, a.apiVersion || gvk.version, now, sub)) fast++;
      const scoped = (o: KubeObject): unknown => (sub === 'status' ? (o.status === undefined ? {} : { status: o.status }) : { ...o, status: undefined });
      if (cur && base?.length && newManagerEntries(base, manager, a.apiVersion || gvk.version, now, sub, () => takenFieldsV1(gvk, scoped(cur), scoped(next)))) fresh++;
      cur = a;
    }
  }
  // the comparison means something only if the fast path is taken often
  assert.ok(fast > total / 5, `fast path taken ${fast} times of ${total}`);
  assert.ok(fresh > total / 20, `new-manager path taken ${fresh} times of ${total}`);
});

test('recordUpdate fast path: a Lease renewal by its holder moves only the holder time (entries re-sorted)', () => {
  const gvk = { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' };
  const lease: KubeObject = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease', uid: 'u' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: '2025-01-01T00:00:00.000000Z' } };
  let cur = recordUpdate({ gvk, old: undefined, updated: lease, manager: 'sim', now: T0 });
  const labelled = clone(cur);
  labelled.metadata.labels = { a: 'b' };
  cur = recordUpdate({ gvk, old: cur, updated: labelled, manager: 'other', now: '2025-01-01T00:00:30Z' });
  const renewed = clone(cur);
  renewed.spec!.renewTime = '2025-01-01T00:01:00.000000Z';
  const base = renewed.metadata.managedFields!;
  const fastEntries = ownedUpdateEntries(gvk, cur, renewed, base, 'sim', 'coordination.k8s.io/v1', T1, undefined);
  assert.ok(fastEntries, 'fast path taken');
  const out = recordUpdate({ gvk, old: cur, updated: clone(renewed), manager: 'sim', now: T1 });
  assert.equal(json(out), json(recordUpdate({ gvk, old: cur, updated: clone(renewed), manager: 'sim', now: T1, general: true })));
  assert.deepEqual(
    out.metadata.managedFields!.map((e) => [e.manager, e.time]),
    [
      ['other', '2025-01-01T00:00:30Z'],
      ['sim', T1],
    ],
  );
  // renewTime written by another manager: it takes the field (general path)
  assert.equal(ownedUpdateEntries(gvk, cur, renewed, base, 'other', 'coordination.k8s.io/v1', T1, undefined), undefined);
});

test('recordUpdate new-manager path: a first pod status write takes the status fields, the creator keeps its entry', () => {
  const gvk = { group: '', version: 'v1', kind: 'Pod' };
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta('p'), spec: podSpec(), status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null }] } };
  const cur = recordUpdate({ gvk, old: undefined, updated: clone(pod), manager: 'controller', now: T0 });
  const next = clone(cur);
  next.status = {
    phase: 'Running',
    podIP: '10.0.0.1',
    podIPs: [{ ip: '10.0.0.1' }],
    conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null }, { type: 'PodScheduled', status: 'True', lastProbeTime: null }],
    containerStatuses: [{ name: 'main', ready: true, state: { running: { startedAt: T1 } }, lastState: {} }],
  };
  const base = next.metadata.managedFields!;
  const scoped = (o: KubeObject) => ({ status: o.status });
  const fresh = newManagerEntries(base, 'kubelet', 'v1', T1, 'status', () => takenFieldsV1(gvk, scoped(cur), scoped(next)));
  assert.ok(fresh, 'new-manager path taken');
  const out = recordUpdate({ gvk, old: cur, updated: clone(next), manager: 'kubelet', now: T1, subresource: 'status' });
  assert.equal(json(out), json(recordUpdate({ gvk, old: cur, updated: clone(next), manager: 'kubelet', now: T1, subresource: 'status', general: true })));
  assert.deepEqual(out.metadata.managedFields!.map((e) => e.manager), ['controller', 'kubelet']);
  assert.deepEqual(Object.keys(out.metadata.managedFields![1]!.fieldsV1!['f:status'] as object), ['f:conditions', 'f:containerStatuses', 'f:phase', 'f:podIP', 'f:podIPs']);
  // a field another manager owns: the general algorithm takes it from that manager
  const taken = clone(cur);
  taken.spec!.nodeSelector = { disk: 'hdd' };
  const scopedMain = (o: KubeObject) => ({ ...o, status: undefined });
  assert.equal(newManagerEntries(base, 'other', 'v1', T1, undefined, () => takenFieldsV1(gvk, scopedMain(cur), scopedMain(taken))), undefined);
});
