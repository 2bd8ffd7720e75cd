import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import type { GVK, KubeObject } from '../../api/types.js';
import { recordUpdate, serverSideApply } from './apply.js';
import { FieldSet, pathToString } from './fieldpath.js';
import { computeFieldSet } from './managedfields.js';

const POD: GVK = { group: '', version: 'v1', kind: 'Pod' };
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-01-01T00:01:00Z';

const manifest = (image: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image, ...extra }] },
});

function conflict(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e;
  }
  assert.fail('expected conflict');
}

test('FieldsV1 encode/decode round trip and path strings', () => {
  const set = computeFieldSet(POD, manifest('nginx', { ports: [{ containerPort: 80 }] }));
  const v1 = set.toFieldsV1();
  assert.deepEqual(v1, {
    'f:metadata': { 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
      },
    },
  });
  assert.ok(FieldSet.fromFieldsV1(v1).equals(set));
  assert.equal(pathToString(['f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']), '.spec.containers[name="main"].image');
  assert.equal(pathToString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  assert.equal(pathToString(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}']), '.spec.ports[port=80,protocol="TCP"]');
});

test('apply on create records an Apply entry', () => {
  const out = serverSideApply({ gvk: POD, live: undefined, applied: manifest('nginx:1.27'), manager: 'kubectl', force: false, now: T0 });
  assert.deepEqual(out.metadata.managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
      },
    },
  ]);
  assert.equal(out.spec.containers[0].image, 'nginx:1.27');
});

test('re-apply with a change updates the object; dropped fields are removed', () => {
  const live = serverSideApply({ gvk: POD, live: undefined, applied: manifest('nginx:1.27', { env: [{ name: 'A', value: '1' }] }), manager: 'kubectl', force: false, now: T0 });
  const m2 = manifest('nginx:1.28');
  delete m2.metadata.labels;
  const out = serverSideApply({ gvk: POD, live, applied: m2, manager: 'kubectl', force: false, now: T1 });
  assert.equal(out.spec.containers[0].image, 'nginx:1.28');
  assert.ok(!('env' in out.spec.containers[0]), 'env dropped');
  assert.equal(out.metadata.labels, undefined, 'label dropped');
  assert.equal(out.metadata.managedFields?.length, 1);
  assert.equal(out.metadata.managedFields?.[0].time, T1);
});

test('dropped fields owned by someone else are kept', () => {
  let live = serverSideApply({ gvk: POD, live: undefined, applied: manifest('nginx'), manager: 'a', force: false, now: T0 });
  live = serverSideApply({ gvk: POD, live, applied: manifest('nginx'), manager: 'b', force: false, now: T0 });
  const m = manifest('nginx');
  delete m.metadata.labels;
  const out = serverSideApply({ gvk: POD, live, applied: m, manager: 'a', force: false, now: T1 });
  assert.deepEqual(out.metadata.labels, { app: 'web' }, 'co-owned by b');
  assert.deepEqual(out.metadata.managedFields?.map((e) => e.manager), ['a', 'b']);
});

test('conflict between two appliers: exact message and causes; force takes ownership', () => {
  const live = serverSideApply({ gvk: POD, live: undefined, applied: manifest('nginx:1.27'), manager: 'alice', force: false, now: T0 });
  const err = conflict(() => serverSideApply({ gvk: POD, live, applied: manifest('nginx:1.28'), manager: 'bob', force: false, now: T1 }));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.containers[name="main"].image');
  assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.containers[name="main"].image' }]);

  const forced = serverSideApply({ gvk: POD, live, applied: manifest('nginx:1.28'), manager: 'bob', force: true, now: T1 });
  assert.equal(forced.spec.containers[0].image, 'nginx:1.28');
  const alice = forced.metadata.managedFields?.find((e) => e.manager === 'alice');
  const bob = forced.metadata.managedFields?.find((e) => e.manager === 'bob');
  assert.ok(alice && bob);
  assert.ok(!FieldSet.fromFieldsV1(alice.fieldsV1).has(['f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']));
  assert.ok(FieldSet.fromFieldsV1(bob.fieldsV1).has(['f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']));
});

test('several conflicts use the multi-line upstream wording', () => {
  const live = serverSideApply({ gvk: POD, live: undefined, applied: manifest('nginx:1.27'), manager: 'alice', force: false, now: T0 });
  const m = manifest('nginx:1.28');
  m.metadata.labels = { app: 'other' };
  const err = conflict(() => serverSideApply({ gvk: POD, live, applied: m, manager: 'bob', force: false, now: T1 }));
  assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "alice":\n- .metadata.labels.app\n- .spec.containers[name="main"].image');
  assert.equal(err.details?.causes?.length, 2);
});

test('recordUpdate transfers ownership; a later kubectl apply conflicts with kubectl-client-side-apply', () => {
  const created = recordUpdate({ gvk: POD, old: undefined, updated: manifest('nginx:1.27'), manager: 'kubectl-client-side-apply', now: T0 });
  assert.deepEqual(created.metadata.managedFields?.map((e) => [e.manager, e.operation, e.apiVersion]), [['kubectl-client-side-apply', 'Update', 'v1']]);
  // kubectl edit changes the image: ownership moves to kubectl-edit.
  const edited = recordUpdate({ gvk: POD, old: created, updated: { ...created, spec: { containers: [{ name: 'main', image: 'nginx:1.26' }] } }, manager: 'kubectl-edit', now: T1 });
  const edit = edited.metadata.managedFields?.find((e) => e.manager === 'kubectl-edit');
  assert.deepEqual(edit?.fieldsV1, { 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { 'f:image': {} } } } });
  const csa = edited.metadata.managedFields?.find((e) => e.manager === 'kubectl-client-side-apply');
  assert.ok(csa && !FieldSet.fromFieldsV1(csa.fieldsV1).has(['f:spec', 'f:containers', 'k:{"name":"main"}', 'f:image']));

  const err = conflict(() => serverSideApply({ gvk: POD, live: created, applied: manifest('nginx:1.28'), manager: 'kubectl', force: false, now: T1 }));
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="main"].image');
  assert.deepEqual(err.details?.causes, [
    { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using v1', field: '.spec.containers[name="main"].image' },
  ]);
  // Same values are shared, not conflicting.
  const shared = serverSideApply({ gvk: POD, live: created, applied: manifest('nginx:1.27'), manager: 'kubectl', force: false, now: T1 });
  assert.equal(shared.metadata.managedFields?.length, 2);
});

test('kubectl upgrade from client-side apply: conflicts within last-applied are forced', () => {
  const withAnno = manifest('nginx:1.27');
  withAnno.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(manifest('nginx:1.27')) };
  const created = recordUpdate({ gvk: POD, old: undefined, updated: withAnno, manager: 'kubectl-client-side-apply', now: T0 });
  const out = serverSideApply({ gvk: POD, live: created, applied: manifest('nginx:1.28'), manager: 'kubectl', force: false, now: T1 });
  assert.equal(out.spec.containers[0].image, 'nginx:1.28');
  assert.match(out.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /nginx:1.28/);
});

test('status subresource writes are tracked separately; status is ignored for main writes', () => {
  const created = recordUpdate({ gvk: POD, old: undefined, updated: { ...manifest('x'), status: { phase: 'Pending' } }, manager: 'creator', now: T0 });
  assert.ok(!JSON.stringify(created.metadata.managedFields).includes('f:status'));
  const st = recordUpdate({ gvk: POD, old: created, updated: { ...created, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, manager: 'kubelet', now: T1, subresource: 'status' });
  const k = st.metadata.managedFields?.find((e) => e.manager === 'kubelet');
  assert.equal(k?.subresource, 'status');
  assert.deepEqual(k?.fieldsV1, { 'f:status': { 'f:conditions': { '.': {}, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:phase': {} } });
});

test('recordUpdate merges entries of the same manager and drops emptied ones', () => {
  const a = recordUpdate({ gvk: POD, old: undefined, updated: manifest('x'), manager: 'm1', now: T0 });
  const b = recordUpdate({ gvk: POD, old: a, updated: { ...a, metadata: { ...a.metadata, labels: { app: 'web', more: '1' } } }, manager: 'm1', now: T1 });
  assert.equal(b.metadata.managedFields?.length, 1);
  assert.equal(b.metadata.managedFields?.[0].time, T1);
  const c = recordUpdate({ gvk: POD, old: b, updated: { ...b, metadata: { ...b.metadata, labels: { app: 'web', more: '2' } } }, manager: 'm2', now: T1 });
  const m2 = c.metadata.managedFields?.find((e) => e.manager === 'm2');
  assert.deepEqual(m2?.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:more': {} } } });
});

test('apply rejects managedFields in the body and a wrong apiVersion', () => {
  const m = manifest('x');
  m.metadata.managedFields = [];
  assert.throws(() => serverSideApply({ gvk: POD, live: undefined, applied: m, manager: 'k', force: false, now: T0 }), (e: unknown) => e instanceof ApiError && e.code === 400);
  assert.throws(
    () => serverSideApply({ gvk: POD, live: undefined, applied: { ...manifest('x'), apiVersion: 'v2' }, manager: 'k', force: false, now: T0 }),
    (e: unknown) => e instanceof ApiError && e.code === 400,
  );
});

test('associative list merge keeps live-only items in place', () => {
  let live = serverSideApply({ gvk: POD, live: undefined, applied: manifest('a'), manager: 'a', force: false, now: T0 });
  const two: KubeObject = { ...manifest('a'), spec: { containers: [{ name: 'side', image: 's' }, { name: 'main', image: 'a' }] } };
  live = serverSideApply({ gvk: POD, live, applied: two, manager: 'b', force: false, now: T0 });
  assert.deepEqual(live.spec.containers.map((c: { name: string }) => c.name), ['side', 'main']);
});

test('Update entries mark newly added maps/lists with "." like upstream typed comparison', () => {
  const m = manifest('nginx', { ports: [{ containerPort: 80 }] });
  const created = recordUpdate({ gvk: POD, old: undefined, updated: m, manager: 'kubectl-create', now: T0 });
  assert.deepEqual(created.metadata.managedFields?.[0].fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:containers': {
        'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
      },
    },
  });
});

test('a status update leaves the other managers FieldsV1 as they were, re-encoding only what is not canonical', () => {
  const created = recordUpdate({ gvk: POD, old: undefined, updated: manifest('nginx'), manager: 'creator', now: T0 });
  const withStatus = (o: KubeObject, phase: string): KubeObject => ({ ...structuredClone(o), status: { phase } });
  const s1 = recordUpdate({ gvk: POD, old: created, updated: withStatus(created, 'Pending'), manager: 'kubelet', now: T1, subresource: 'status' });
  const creatorOf = (o: KubeObject) => o.metadata.managedFields!.find((e) => e.manager === 'creator')!.fieldsV1;
  assert.deepEqual(creatorOf(s1), creatorOf(created));
  // the same FieldsV1 object (the one written back, equal to the stored one) when it is canonical already
  const u2 = withStatus(s1, 'Running');
  const s2 = recordUpdate({ gvk: POD, old: s1, updated: u2, manager: 'kubelet', now: T1, subresource: 'status' });
  assert.equal(creatorOf(s2), creatorOf(u2));
  assert.equal(JSON.stringify(creatorOf(s2)), JSON.stringify(creatorOf(s1)));
  // a FieldsV1 in another member order is re-encoded in the canonical order
  const shuffled = structuredClone(s1);
  const entry = shuffled.metadata.managedFields!.find((e) => e.manager === 'creator')!;
  const reversed = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).reverse().map(([k, v]) => [k, reversed(v as Record<string, unknown>)]));
  entry.fieldsV1 = reversed(entry.fieldsV1 as Record<string, unknown>);
  const s3 = recordUpdate({ gvk: POD, old: shuffled, updated: withStatus(shuffled, 'Running'), manager: 'kubelet', now: T1, subresource: 'status' });
  assert.equal(JSON.stringify(creatorOf(s3)), JSON.stringify(creatorOf(created)));
  assert.notEqual(JSON.stringify(entry.fieldsV1), JSON.stringify(creatorOf(created)));
});
