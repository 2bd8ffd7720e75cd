// The DefaultTolerationSeconds admission.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/types.js';
import { admitDefaultTolerationSeconds } from './tolerations.js';

const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';

test('DefaultTolerationSeconds: adds what the pod does not tolerate, in upstream order', () => {
  const pod = (tolerations?: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [], ...(tolerations ? { tolerations } : {}) } });
  const p1 = pod();
  admitDefaultTolerationSeconds(p1, { notReady: 300, unreachable: 60 });
  assert.deepEqual(p1.spec.tolerations, [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
  ]);
  const p2 = pod([{ key: TAINT_NOT_READY, operator: 'Exists' }]);
  admitDefaultTolerationSeconds(p2, { notReady: 300, unreachable: 300 });
  assert.equal(p2.spec.tolerations.length, 2, 'an empty effect covers NoExecute');
  const p3 = pod([{ operator: 'Exists', effect: 'NoExecute' }]);
  admitDefaultTolerationSeconds(p3, { notReady: 300, unreachable: 300 });
  assert.equal(p3.spec.tolerations.length, 1, 'an empty key covers both');
});
