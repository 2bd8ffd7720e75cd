import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { localPathDirToRemove } from './localpath.js';

const UID_NAME = 'pvc-0b6c5a3e-8a51-4c8e-9f0e-1d2c3b4a5f60';

function pv(over: { name?: string; provisioner?: string; policy?: string; path?: string; node?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: over.name ?? UID_NAME, annotations: { 'pv.kubernetes.io/provisioned-by': over.provisioner ?? 'rancher.io/local-path' } },
    spec: {
      persistentVolumeReclaimPolicy: over.policy ?? 'Delete',
      hostPath: { path: over.path ?? `/var/lib/kubelite/storage/${UID_NAME}_default_data` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [over.node ?? 'n1'] }] }] } },
    },
  };
}

test('only a deleted local-path volume of this node, named the provisioner\'s way, loses its directory', () => {
  assert.equal(localPathDirToRemove(pv(), 'n1'), `/var/lib/kubelite/storage/${UID_NAME}_default_data`);
  assert.equal(localPathDirToRemove(pv(), 'n2'), undefined, 'another node');
  assert.equal(localPathDirToRemove(pv({ policy: 'Retain' }), 'n1'), undefined, 'Retain');
  assert.equal(localPathDirToRemove(pv({ provisioner: 'someone/else' }), 'n1'), undefined, 'not provisioned by local-path');
  assert.equal(localPathDirToRemove(pv({ path: '/home/user' }), 'n1'), undefined, 'a path the provisioner did not make');
  assert.equal(localPathDirToRemove(pv({ path: `/${UID_NAME}_default_data` }), 'n1'), undefined, 'directly under /');
  assert.equal(localPathDirToRemove(pv({ path: `/var/lib/kubelite/storage/../../../${UID_NAME}_x` }), 'n1'), undefined, 'not normalized');
  assert.equal(localPathDirToRemove(pv({ name: 'pvc-1', path: '/var/lib/kubelite/storage/pvc-1_default_data' }), 'n1'), undefined, 'not a provisioner-made name');
});
