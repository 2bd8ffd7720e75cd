import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../api/defaults/index.js';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { validateObject } from '../api/validation/index.js';
import { admitMirrorPod } from './mirrorpods.js';

const GVK = { group: '', version: 'v1', kind: 'Pod' };
const mirror = (spec: Record<string, unknown> = {}, annotations: Record<string, string> = { 'kubernetes.io/config.mirror': 'abc' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-node1', namespace: 'default', annotations },
  spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const forbidden = (p: KubeObject, re: RegExp) => assert.throws(() => admitMirrorPod(p), (e: unknown) => e instanceof ApiError && e.code === 403 && re.test(e.message));

describe('mirror pods in the API', () => {
  it('get no service account and may not reference one, nor secrets or token projections', () => {
    const p = mirror();
    applyDefaults(GVK, p);
    assert.equal(p.spec.serviceAccountName, undefined);
    admitMirrorPod(p);
    const plain = mirror({}, {});
    applyDefaults(GVK, plain);
    assert.equal(plain.spec.serviceAccountName, 'default');
    admitMirrorPod(plain);
    forbidden(mirror({ serviceAccountName: 'sa' }), /^pods "web-node1" is forbidden: a mirror pod may not reference service accounts$/);
    forbidden(mirror({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }), /may not reference secrets/);
    forbidden(mirror({ containers: [{ name: 'c', image: 'b', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'x', key: 'k' } } }] }] }), /may not reference secrets/);
    forbidden(mirror({ volumes: [{ name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] }), /may not use ServiceAccountToken volume projections/);
  });

  it('need spec.nodeName and keep their annotation for life', () => {
    const noNode = mirror({ nodeName: undefined });
    const errs = validateObject(GVK, noNode);
    assert.ok(errs.some((e) => e.field === 'metadata.annotations[kubernetes.io/config.mirror]' && e.detail === 'must set spec.nodeName if mirror pod annotation is set'));
    const old = mirror();
    applyDefaults(GVK, old);
    const changed = structuredClone(old);
    changed.metadata.annotations!['kubernetes.io/config.mirror'] = 'other';
    assert.ok(validateObject(GVK, changed, old).some((e) => e.detail === 'may not remove or update mirror pod annotation'));
    const removed = structuredClone(old);
    removed.metadata.annotations = {};
    assert.ok(validateObject(GVK, removed, old).some((e) => e.detail === 'may not remove or update mirror pod annotation'));
    const plain = mirror({}, {});
    applyDefaults(GVK, plain);
    const added = structuredClone(plain);
    added.metadata.annotations = { 'kubernetes.io/config.mirror': 'x' };
    assert.ok(validateObject(GVK, added, plain).some((e) => e.detail === 'may not add mirror pod annotation'));
    assert.deepEqual(validateObject(GVK, structuredClone(old), old), []);
  });
});
