// storedAndReplyJson must give exactly storedJson(obj) and, once the resourceVersion is set,
// exactly JSON.stringify(obj): the create reply reuses the serialisation made for storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { storedJson } from './registry.js';
import { storedAndReplyJson } from './storedjson.js';

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
