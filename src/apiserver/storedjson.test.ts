// storedAndReplyJson must give exactly storedJson(obj) and, once the resourceVersion is set,
// exactly JSON.stringify(obj): the create reply reuses the serialisation made for storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { storedJson } from './registry.js';
import { storedAndReplyJson, withoutMembers } from './storedjson.js';

const cases: Record<string, unknown>[] = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'n', labels: { '1': 'x', b: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: {} },
  { metadata: { name: 'b' }, spec: { x: [1, null, 'é\u2028"\\'] }, apiVersion: 'v1', kind: 'ConfigMap' },
  { kind: 'Secret', metadata: {}, data: { k: 'dg==' }, apiVersion: 'v1', type: undefined, immutable: false },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c', uid: undefined, annotations: {} }, spec: { finalizers: ['kubernetes'] } },
  { spec: {}, metadata: { name: 'd', creationTimestamp: '2025-01-01T00:00:00Z' }, apiVersion: undefined, kind: 'Widget', extra: { '2': 1 } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'e', managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] } },
];

test('stored and reply JSON from one serialisation match storedJson and JSON.stringify', () => {
  for (const c of cases) {
    const obj = structuredClone(c) as unknown as KubeObject;
    const enc = storedAndReplyJson(obj);
    assert.ok(enc, JSON.stringify(c));
    assert.equal(enc.stored, storedJson(obj));
    obj.metadata.resourceVersion = '12345';
    assert.equal(enc.reply(12345), JSON.stringify(obj));
  }
});

test('shapes it cannot reproduce exactly are declined', () => {
  assert.equal(storedAndReplyJson({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '3' } } as KubeObject), undefined);
  assert.equal(storedAndReplyJson({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: undefined } } as KubeObject), undefined);
  assert.equal(storedAndReplyJson({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' }, '7': 1 } as unknown as KubeObject), undefined);
});

test('withoutMembers serialises as the object with the members deleted, and gives the object itself when it has none', () => {
    const objs: Record<string, unknown>[] = [{ a: 1, resourceVersion: '5', b: { c: 2 } }, { resourceVersion: '5' }, { '1': 'x', a: 1, resourceVersion: undefined, z: null }, { a: 1, deletionTimestamp: 't', deletionGracePeriodSeconds: 0, b: 2 }];
    for (const o of objs) {
      const deleted = { ...o };
      delete deleted.resourceVersion;
      delete deleted.deletionTimestamp;
      delete deleted.deletionGracePeriodSeconds;
      const out = withoutMembers(o, 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds');
      assert.equal(JSON.stringify(out), JSON.stringify(deleted));
      assert.deepEqual(Object.keys(out), Object.keys(deleted));
    }
    const plain = { a: 1 };
    assert.equal(withoutMembers(plain, 'resourceVersion'), plain);
});
