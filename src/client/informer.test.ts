// Unit tests of the informer's helpers: the managedFields transform and object keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { dropManagedFields, objectKey } from './informer.js';

test('dropManagedFields: a copy without metadata.managedFields; the input (maybe shared with other watchers) is untouched', () => {
  const obj: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', managedFields: [{ manager: 'm', operation: 'Update' }] },
    spec: { nodeName: 'n1' },
  };
  const before = structuredClone(obj);
  const out = dropManagedFields(obj);
  assert.deepEqual(obj, before);
  assert.equal(out.metadata.managedFields, undefined);
  assert.ok(!('managedFields' in out.metadata));
  assert.deepEqual(out, { ...before, metadata: { name: 'p', namespace: 'ns', resourceVersion: '7' } });
  const bare: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' } };
  assert.equal(dropManagedFields(bare), bare, 'nothing to drop: the object itself');
  assert.equal(objectKey(out), 'ns/p');
  assert.equal(objectKey(bare), 'q');
});
