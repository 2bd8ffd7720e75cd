import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './types.js';
import { findMatchingVolume, volumeMismatch } from './volumematch.js';

const pv = (name: string, size: string, extra: { cls?: string; modes?: string[]; labels?: Record<string, string>; phase?: string; claimRef?: unknown } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, labels: extra.labels },
  spec: { capacity: { storage: size }, accessModes: extra.modes ?? ['ReadWriteOnce'], storageClassName: extra.cls ?? 'manual', claimRef: extra.claimRef },
  status: { phase: extra.phase ?? 'Available' },
});
const claim = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'c', namespace: 'ns', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', ...spec },
});

test('the smallest available volume that is big enough, of the same class, with the modes and labels asked for', () => {
  const vols = [pv('big', '10Gi'), pv('ok', '2Gi'), pv('small', '512Mi'), pv('fast', '1Gi', { cls: 'fast' }), pv('rox', '1Gi', { modes: ['ReadOnlyMany'] }), pv('taken', '1Gi', { phase: 'Bound', claimRef: { name: 'x', namespace: 'ns' } })];
  assert.equal(findMatchingVolume(claim(), vols)?.metadata.name, 'ok');
  assert.equal(findMatchingVolume(claim({ storageClassName: 'fast' }), vols)?.metadata.name, 'fast');
  assert.equal(findMatchingVolume(claim({ resources: { requests: { storage: '20Gi' } } }), vols), undefined);
  assert.equal(findMatchingVolume(claim({ selector: { matchLabels: { disk: 'ssd' } } }), [...vols, pv('ssd', '50Gi', { labels: { disk: 'ssd' } })])?.metadata.name, 'ssd');
  // WaitForFirstConsumer: the PV controller leaves unbound volumes to the scheduler
  assert.equal(findMatchingVolume(claim(), vols, { delayBinding: true }), undefined);
  // but a volume pre-bound to the claim is always its match, when reachable
  const pre = pv('mine', '1Gi', { phase: 'Pending', claimRef: { name: 'c', namespace: 'ns' } });
  assert.equal(findMatchingVolume(claim(), [...vols, pre], { delayBinding: true })?.metadata.name, 'mine');
  assert.equal(findMatchingVolume(claim(), [pre], { reachable: () => false }), undefined);
  assert.equal(findMatchingVolume(claim(), vols, { reachable: (v) => v.metadata.name === 'big' })?.metadata.name, 'big');
  assert.equal(volumeMismatch(pv('x', '1Gi', { cls: 'other' }), claim()), 'storageClassName does not match');
  assert.equal(volumeMismatch(pv('x', '1Mi'), claim()), 'requested PV is too small');
});
